-- For meters that report a cumulative register: the energy of each hour a newly stored reading fell
-- in, and of the next hour with a reading (its first reading rises from the last one before it,
-- which may be one that just arrived), recomputed from history (packed or not) in time order. A
-- reading's energy is its rise over the reading before it; a drop counts as a reset from the new
-- value; the first reading a device ever sends counts 0 (as in
-- ../../analytics/Analytics/meterEnergyRegister.sql).
--
-- It reads history in its own snapshot, yet two transactions writing readings of the same
-- device never recompute blind to each other: insertMeters.sql before it locks the device's live
-- row (ON CONFLICT DO UPDATE locks the row whether or not it moves it), so the second waits there
-- until the first commits, and its recompute, a later statement, sees the first's readings.
-- HourlyRollupIT holds this with two writers.
WITH touched AS (
    SELECT DISTINCT batch.device_id, date_trunc('hour', batch.ts, 'UTC') AS hour
    FROM unnest(CAST(:meterId AS text[]), CAST(:ts AS timestamptz[])) AS batch(device_id, ts)
    WHERE (:defaultMode = 'register' OR EXISTS (SELECT 1 FROM device_energy_mode WHERE kind = 'meter' AND mode = 'register'))
      AND coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'meter' AND device_id = batch.device_id),
                   :defaultMode) = 'register'
), affected AS (
    SELECT device_id, hour FROM touched
    UNION
    SELECT touched.device_id, date_trunc('hour', later.ts, 'UTC')
    FROM touched CROSS JOIN LATERAL meter_reading_from(touched.device_id, touched.hour + interval '1 hour') later
)
UPDATE meter_hourly AS rollup SET kwh = energy.kwh, resets = energy.resets
FROM affected CROSS JOIN LATERAL (
    SELECT coalesce(sum(CASE WHEN previous IS NULL THEN 0
                             WHEN value >= previous THEN value - previous
                             ELSE value END), 0) AS kwh,
           count(*) FILTER (WHERE value < previous) AS resets,
           count(*) AS readings
    FROM (SELECT ts, value, lag(value) OVER (ORDER BY ts) AS previous
          FROM (SELECT ts, kwh_consumed_ac AS value FROM meter_reading_before(affected.device_id, affected.hour)
                UNION ALL
                SELECT ts, kwh_consumed_ac FROM meter_energies(affected.device_id, affected.hour,
                                                          affected.hour + interval '1 hour')) readings
         ) deltas
    WHERE ts >= affected.hour) energy
WHERE rollup.meter_id = affected.device_id AND rollup.hour = affected.hour
