INSERT INTO vehicle_meter_link (vehicle_id, meter_id, valid_from)
VALUES (:vehicleId, :meterId, :from)
