UPDATE vehicle_meter_link SET valid_to = :at
WHERE vehicle_id = :vehicleId AND valid_from = :from AND valid_to IS NULL
