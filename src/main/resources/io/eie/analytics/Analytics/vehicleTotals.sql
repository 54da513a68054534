-- The vehicle's readings and mean battery temperature over [:from, :to).
SELECT avg(battery_temp) AS avg_temp, count(*) AS readings
FROM vehicle_telemetry_history
WHERE vehicle_id = :vehicleId AND ts >= :from AND ts < :to
