-- The energy of a vehicle that reports intervals, over [:from, :to): the sum of its readings.
-- Columns kwh, resets (always 0) and readings, as vehicleEnergyRegister.sql.
SELECT coalesce(sum(kwh_delivered_dc), 0) AS kwh, 0 AS resets, count(*) AS readings
FROM vehicle_telemetry_history
WHERE vehicle_id = :vehicleId AND ts >= :from AND ts < :to
