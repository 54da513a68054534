-- Sets the energy of every hourly rollup of the meters :deviceIds as for devices that report
-- intervals: the sum of the hour's readings, packed or not.
UPDATE meter_hourly AS rollup SET kwh = energy.kwh, resets = 0
FROM (SELECT meter_id, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_consumed_ac) AS kwh
      FROM unnest(CAST(:deviceIds AS text[])) AS device(meter_id)
      CROSS JOIN LATERAL meter_energies(device.meter_id, '-infinity', 'infinity')
      GROUP BY 1, 2) energy
WHERE rollup.meter_id = energy.meter_id AND rollup.hour = energy.hour
