-- The energy of a meter that reports intervals, over [:from, :to): the sum of its readings.
-- Columns kwh, resets (always 0) and readings, as meterEnergyRegister.sql.
SELECT coalesce(sum(kwh_consumed_ac), 0) AS kwh, 0 AS resets, count(*) AS readings
FROM meter_telemetry_history
WHERE meter_id = :meterId AND ts >= :from AND ts < :to
