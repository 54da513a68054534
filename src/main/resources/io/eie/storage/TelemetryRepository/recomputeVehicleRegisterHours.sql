-- For vehicles that report a cumulative register: the energy of each hour a newly stored reading
-- fell in, and of the next hour with a reading (its first reading rises from the last one before
-- it, which may be one that just arrived), recomputed from history (packed or not) in time order. A
-- reading's energy is its rise over the reading before it; a drop counts as a reset from the new
-- value; the first reading a device ever sends counts 0 (as in
-- ../../analytics/Analytics/vehicleEnergyRegister.sql). The same as
-- recomputeMeterRegisterHours.sql, for vehicles.
WITH touched AS (
    SELECT DISTINCT batch.device_id, date_trunc('hour', batch.ts, 'UTC') AS hour
    FROM unnest(CAST(:vehicleId AS text[]), CAST(:ts AS timestamptz[])) AS batch(device_id, ts)
    WHERE (:defaultMode = 'register' OR EXISTS (SELECT 1 FROM device_energy_mode WHERE kind = 'vehicle' AND mode = 'register'))
      AND coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'vehicle' AND device_id = batch.device_id),
                   :defaultMode) = 'register'
), affected AS (
    SELECT device_id, hour FROM touched
    UNION
    SELECT touched.device_id, date_trunc('hour', later.ts, 'UTC')
    FROM touched CROSS JOIN LATERAL vehicle_reading_from(touched.device_id, touched.hour + interval '1 hour') later
)
UPDATE vehicle_hourly AS rollup SET kwh = energy.kwh, resets = energy.resets
FROM affected CROSS JOIN LATERAL (
    SELECT coalesce(sum(CASE WHEN previous IS NULL THEN 0
                             WHEN value >= previous THEN value - previous
                             ELSE value END), 0) AS kwh,
           count(*) FILTER (WHERE value < previous) AS resets,
           count(*) AS readings
    FROM (SELECT ts, value, lag(value) OVER (ORDER BY ts) AS previous
          FROM (SELECT ts, kwh_delivered_dc AS value FROM vehicle_reading_before(affected.device_id, affected.hour)
                UNION ALL
                SELECT ts, kwh_delivered_dc FROM vehicle_energies(affected.device_id, affected.hour,
                                                          affected.hour + interval '1 hour')) readings
         ) deltas
    WHERE ts >= affected.hour) energy
WHERE rollup.vehicle_id = affected.device_id AND rollup.hour = affected.hour
