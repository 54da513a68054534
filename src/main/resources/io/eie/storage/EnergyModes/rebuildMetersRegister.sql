-- Sets the energy and resets of every hourly rollup of the meters :deviceIds as for devices that
-- report a cumulative register, in one pass over their readings (packed or not) in time order: each
-- reading's rise over the one before it, a drop counting as a reset from the new value, the first
-- reading counting 0 (as in ../../analytics/Analytics/meterEnergyRegister.sql).
UPDATE meter_hourly AS rollup SET kwh = energy.kwh, resets = energy.resets
FROM (SELECT meter_id, date_trunc('hour', ts, 'UTC') AS hour,
             coalesce(sum(CASE WHEN previous IS NULL THEN 0
                               WHEN value >= previous THEN value - previous
                               ELSE value END), 0) AS kwh,
             count(*) FILTER (WHERE value < previous) AS resets
      FROM (SELECT meter_id, ts, kwh_consumed_ac AS value,
                   lag(kwh_consumed_ac) OVER (PARTITION BY meter_id ORDER BY ts) AS previous
            FROM unnest(CAST(:deviceIds AS text[])) AS device(meter_id)
            CROSS JOIN LATERAL meter_energies(device.meter_id, '-infinity', 'infinity')) deltas
      GROUP BY 1, 2) energy
WHERE rollup.meter_id = energy.meter_id AND rollup.hour = energy.hour
