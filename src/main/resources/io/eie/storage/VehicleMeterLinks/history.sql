SELECT meter_id, valid_from, valid_to
FROM vehicle_meter_link
WHERE vehicle_id = :vehicleId
ORDER BY valid_from DESC
