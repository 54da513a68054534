-- Sets the energy of every hourly rollup of the vehicles :deviceIds as for devices that report
-- intervals: the sum of the hour's readings, packed or not.
UPDATE vehicle_hourly AS rollup SET kwh = energy.kwh, resets = 0
FROM (SELECT vehicle_id, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_delivered_dc) AS kwh
      FROM unnest(CAST(:deviceIds AS text[])) AS device(vehicle_id)
      CROSS JOIN LATERAL vehicle_energies(device.vehicle_id, '-infinity', 'infinity')
      GROUP BY 1, 2) energy
WHERE rollup.vehicle_id = energy.vehicle_id AND rollup.hour = energy.hour
