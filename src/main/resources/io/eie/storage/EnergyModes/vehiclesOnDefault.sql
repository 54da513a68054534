-- The vehicles that have rollups and no energy mode of their own: those that follow the default.
SELECT DISTINCT vehicle_id FROM vehicle_hourly
WHERE NOT EXISTS (SELECT 1 FROM device_energy_mode own WHERE own.kind = 'vehicle' AND own.device_id = vehicle_id)
