-- The energy of a meter that reports a cumulative register, over [:from, :to): each reading's
-- rise over the reading before it (which may lie before :from), a drop counting as a reset from
-- the new value; the first reading a device ever sends has nothing to rise from and counts 0.
-- Readings packed or not. Columns kwh, resets and readings, as meterEnergyInterval.sql.
SELECT coalesce(sum(CASE WHEN previous IS NULL THEN 0
                         WHEN value >= previous THEN value - previous
                         ELSE value END), 0) AS kwh,
       count(*) FILTER (WHERE value < previous) AS resets,
       count(*) AS readings
FROM (SELECT ts, value, lag(value) OVER (ORDER BY ts) AS previous
      FROM (SELECT ts, kwh_consumed_ac AS value FROM meter_reading_before(:meterId, :from)
            UNION ALL
            SELECT ts, kwh_consumed_ac FROM meter_energies(:meterId, :from, :to)) readings
     ) deltas
WHERE ts >= :from
