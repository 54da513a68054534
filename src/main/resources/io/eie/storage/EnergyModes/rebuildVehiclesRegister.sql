-- Sets the energy and resets of every hourly rollup of the vehicles :deviceIds as for devices that
-- report a cumulative register, in one pass over their readings (packed or not) in time order: each
-- reading's rise over the one before it, a drop counting as a reset from the new value, the first
-- reading counting 0 (as in ../../analytics/Analytics/vehicleEnergyRegister.sql).
UPDATE vehicle_hourly AS rollup SET kwh = energy.kwh, resets = energy.resets
FROM (SELECT vehicle_id, date_trunc('hour', ts, 'UTC') AS hour,
             coalesce(sum(CASE WHEN previous IS NULL THEN 0
                               WHEN value >= previous THEN value - previous
                               ELSE value END), 0) AS kwh,
             count(*) FILTER (WHERE value < previous) AS resets
      FROM (SELECT vehicle_id, ts, kwh_delivered_dc AS value,
                   lag(kwh_delivered_dc) OVER (PARTITION BY vehicle_id ORDER BY ts) AS previous
            FROM unnest(CAST(:deviceIds AS text[])) AS device(vehicle_id)
            CROSS JOIN LATERAL vehicle_energies(device.vehicle_id, '-infinity', 'infinity')) deltas
      GROUP BY 1, 2) energy
WHERE rollup.vehicle_id = energy.vehicle_id AND rollup.hour = energy.hour
