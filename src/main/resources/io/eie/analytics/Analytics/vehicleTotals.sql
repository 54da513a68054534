-- The vehicle's readings and mean battery temperature over [:from, :to), packed or not.
SELECT battery_temp / nullif(readings, 0) AS avg_temp, readings
FROM vehicle_sums(:vehicleId, :from, :to)
