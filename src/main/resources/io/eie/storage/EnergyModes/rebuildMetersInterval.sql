-- Sets the energy of every hourly rollup of the meters :deviceIds as for devices that report
-- intervals: the sum of the hour's readings.
UPDATE meter_hourly AS rollup SET kwh = energy.kwh, resets = 0
FROM (SELECT meter_id, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_consumed_ac) AS kwh
      FROM meter_telemetry_history WHERE meter_id = ANY(CAST(:deviceIds AS text[]))
      GROUP BY 1, 2) energy
WHERE rollup.meter_id = energy.meter_id AND rollup.hour = energy.hour
