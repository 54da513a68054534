SELECT vehicle_id, soc, kwh_delivered_dc, battery_temp, ts, received_at
FROM vehicle_live_status WHERE vehicle_id = :id
