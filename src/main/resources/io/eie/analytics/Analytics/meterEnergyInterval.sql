-- The energy of a meter that reports intervals, over [:from, :to): the sum of its readings, packed
-- or not. Columns kwh, resets (always 0) and readings, as meterEnergyRegister.sql.
SELECT kwh_consumed_ac AS kwh, 0 AS resets, readings
FROM meter_sums(:meterId, :from, :to)
