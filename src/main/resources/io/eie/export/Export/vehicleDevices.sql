-- The vehicles with readings in [:from, :to), in id order, as meterDevices.sql.
SELECT DISTINCT vehicle_id FROM vehicle_hourly
WHERE hour >= date_trunc('hour', CAST(:from AS timestamptz)) AND hour < :to
ORDER BY vehicle_id
