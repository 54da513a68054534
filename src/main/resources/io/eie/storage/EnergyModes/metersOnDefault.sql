-- The meters that have rollups and no energy mode of their own: those that follow the default.
SELECT DISTINCT meter_id FROM meter_hourly
WHERE NOT EXISTS (SELECT 1 FROM device_energy_mode own WHERE own.kind = 'meter' AND own.device_id = meter_id)
