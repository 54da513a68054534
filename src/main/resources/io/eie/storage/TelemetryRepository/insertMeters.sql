-- A batch of meter readings, one array per column: appends what is new to history, adds it to
-- the hourly rollups and moves the live rows forward to the newest of it, in one statement.
-- A reading of a day that may be packed (before :closedBefore) is looked for among the packed rows
-- too; the writer holds that day's packing lock (waitForPacking.sql), so no packing moves readings
-- while this looks. Returns the rows it inserted (what it did not insert was stored before, in
-- history or packed), each with whether a meter may report a cumulative register: then
-- recomputeMeterRegisterHours.sql puts the rollups of those meters right (the sums here are right
-- for meters that report intervals).
--
-- That answer is exact: it is read in a snapshot taken after the statement holds its lock on the
-- rollups, and a change of energy mode takes a conflicting lock before it writes (EnergyModes).
WITH inserted AS (
    INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
    SELECT * FROM unnest(CAST(:meterId AS text[]), CAST(:ts AS timestamptz[]), CAST(:kwhConsumedAc AS numeric[]),
                         CAST(:voltage AS float8[]), CAST(:receivedAt AS timestamptz[])) AS batch(meter_id, ts)
    WHERE batch.ts >= :closedBefore
       OR NOT EXISTS (SELECT 1 FROM meter_history_packed packed CROSS JOIN LATERAL meter_unpacked(packed) reading
                      WHERE packed.meter_id = batch.meter_id AND packed.day > batch.ts - interval '24 hours'
                        AND packed.day <= batch.ts AND packed.first_ts <= batch.ts AND packed.last_ts >= batch.ts
                        AND reading.ts = batch.ts)
    ON CONFLICT DO NOTHING
    RETURNING meter_id, ts, kwh_consumed_ac, voltage, received_at
), hours AS (
    INSERT INTO meter_hourly AS rollup (meter_id, hour, readings, kwh, resets, voltage_sum, minutes)
    SELECT meter_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_consumed_ac), 0, sum(voltage),
           bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
    FROM inserted
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (meter_id, hour) DO UPDATE
    SET readings = rollup.readings + excluded.readings, kwh = rollup.kwh + excluded.kwh,
        voltage_sum = rollup.voltage_sum + excluded.voltage_sum, minutes = rollup.minutes | excluded.minutes
), live_rows AS (
    INSERT INTO meter_live_status AS live (meter_id, ts, kwh_consumed_ac, voltage, received_at)
    SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage, received_at
    FROM inserted
    ORDER BY meter_id, ts DESC
    ON CONFLICT (meter_id) DO UPDATE
    SET ts = excluded.ts, kwh_consumed_ac = excluded.kwh_consumed_ac, voltage = excluded.voltage,
        received_at = excluded.received_at
    WHERE live.ts < excluded.ts
)
SELECT meter_id, (EXTRACT(EPOCH FROM ts) * 1000000)::bigint,
       (:defaultMode = 'register'
        OR EXISTS (SELECT 1 FROM device_energy_mode WHERE kind = 'meter' AND mode = 'register')) AS registers
FROM inserted
