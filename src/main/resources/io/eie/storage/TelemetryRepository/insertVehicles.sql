-- A batch of vehicle readings, one array per column: as insertMeters.sql, for vehicles. The
-- rollups also keep each hour's hottest battery and its last state of charge.
WITH inserted AS (
    INSERT INTO vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
    SELECT * FROM unnest(CAST(:vehicleId AS text[]), CAST(:ts AS timestamptz[]), CAST(:soc AS float8[]),
                         CAST(:kwhDeliveredDc AS numeric[]), CAST(:batteryTemp AS float8[]),
                         CAST(:receivedAt AS timestamptz[])) AS batch(vehicle_id, ts)
    WHERE batch.ts >= :closedBefore
       OR NOT EXISTS (SELECT 1 FROM vehicle_history_packed packed CROSS JOIN LATERAL vehicle_unpacked(packed) reading
                      WHERE packed.vehicle_id = batch.vehicle_id AND packed.day > batch.ts - interval '24 hours'
                        AND packed.day <= batch.ts AND packed.first_ts <= batch.ts AND packed.last_ts >= batch.ts
                        AND reading.ts = batch.ts)
    ON CONFLICT DO NOTHING
    RETURNING vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at
), hours AS (
    INSERT INTO vehicle_hourly AS rollup (vehicle_id, hour, readings, kwh, resets, battery_temp_sum,
                                          battery_temp_max, last_ts, last_soc, minutes)
    SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_delivered_dc), 0, sum(battery_temp),
           max(battery_temp), max(ts), (array_agg(soc ORDER BY ts DESC))[1],
           bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
    FROM inserted
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (vehicle_id, hour) DO UPDATE
    SET readings = rollup.readings + excluded.readings, kwh = rollup.kwh + excluded.kwh,
        battery_temp_sum = rollup.battery_temp_sum + excluded.battery_temp_sum,
        battery_temp_max = greatest(rollup.battery_temp_max, excluded.battery_temp_max),
        last_soc = CASE WHEN excluded.last_ts > rollup.last_ts THEN excluded.last_soc ELSE rollup.last_soc END,
        last_ts = greatest(rollup.last_ts, excluded.last_ts),
        minutes = rollup.minutes | excluded.minutes
), live_rows AS (
    INSERT INTO vehicle_live_status AS live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
    SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at
    FROM inserted
    ORDER BY vehicle_id, ts DESC
    ON CONFLICT (vehicle_id) DO UPDATE
    SET ts = excluded.ts, soc = excluded.soc, kwh_delivered_dc = excluded.kwh_delivered_dc,
        battery_temp = excluded.battery_temp, received_at = excluded.received_at
    WHERE live.ts < excluded.ts
)
SELECT vehicle_id, (EXTRACT(EPOCH FROM ts) * 1000000)::bigint,
       (:defaultMode = 'register'
        OR EXISTS (SELECT 1 FROM device_energy_mode WHERE kind = 'vehicle' AND mode = 'register')) AS registers
FROM inserted
