-- The energy of a vehicle that reports intervals, over [:from, :to): the sum of its readings, packed
-- or not. Columns kwh, resets (always 0) and readings, as vehicleEnergyRegister.sql.
SELECT kwh_delivered_dc AS kwh, 0 AS resets, readings
FROM vehicle_sums(:vehicleId, :from, :to)
