-- The energy of a vehicle that reports a cumulative register, over [:from, :to): each reading's
-- rise over the reading before it (which may lie before :from), a drop counting as a reset from
-- the new value; the first reading a device ever sends has nothing to rise from and counts 0.
-- Columns kwh, resets and readings, as vehicleEnergyInterval.sql.
SELECT coalesce(sum(CASE WHEN previous IS NULL THEN 0
                         WHEN value >= previous THEN value - previous
                         ELSE value END), 0) AS kwh,
       count(*) FILTER (WHERE value < previous) AS resets,
       count(*) AS readings
FROM (SELECT ts, value, lag(value) OVER (ORDER BY ts) AS previous
      FROM ((SELECT ts, kwh_delivered_dc AS value FROM vehicle_telemetry_history
             WHERE vehicle_id = :vehicleId AND ts < :from ORDER BY ts DESC LIMIT 1)
            UNION ALL
            (SELECT ts, kwh_delivered_dc FROM vehicle_telemetry_history
             WHERE vehicle_id = :vehicleId AND ts >= :from AND ts < :to)) readings
     ) deltas
WHERE ts >= :from
