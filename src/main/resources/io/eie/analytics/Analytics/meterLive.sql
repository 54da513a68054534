SELECT meter_id, kwh_consumed_ac, voltage, ts, received_at
FROM meter_live_status WHERE meter_id = :id
