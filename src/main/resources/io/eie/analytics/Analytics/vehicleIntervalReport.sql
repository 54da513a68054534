-- The vehicle's side of a report over [:from, :to) for a vehicle that reports intervals: what
-- vehicleReport.sql answers, from one pass over its readings (packed or not).
SELECT kwh_delivered_dc AS kwh, 0 AS resets, battery_temp / nullif(readings, 0) AS avg_temp, readings
FROM vehicle_sums(:vehicleId, :from, :to)
