-- Packs the day [:from, :to) of the next :devices meters after :after (in id order) that
-- still have readings of that day in history: moves those readings out of history and merges them
-- with the meter's packed row of the day, if it has one (readings that arrived after the day was
-- packed), into one packed row per meter (the layout is in ../../../../db/migration/V4__packed_history.sql,
-- with the day's totals of V5__packed_totals.sql).
-- One statement: each reading is in history or packed, never both and never neither, whenever
-- the engine stops. Returns the meters packed.
WITH devices AS (
    SELECT DISTINCT meter_id FROM meter_telemetry_history
    WHERE ts >= :from AND ts < :to AND meter_id > :after
    ORDER BY meter_id LIMIT :devices
), moved AS (
    DELETE FROM meter_telemetry_history history USING devices
    WHERE history.meter_id = devices.meter_id AND history.ts >= :from AND history.ts < :to
    RETURNING history.meter_id, history.ts, history.kwh_consumed_ac, history.voltage, history.received_at
), repacked AS (
    DELETE FROM meter_history_packed packed USING devices
    WHERE packed.meter_id = devices.meter_id AND packed.day = :from
    RETURNING packed
), readings AS (
    SELECT meter_id, ts, kwh_consumed_ac, voltage, received_at FROM moved
    UNION ALL
    SELECT (repacked.packed).meter_id, reading.ts, reading.kwh_consumed_ac, reading.voltage, reading.received_at
    FROM repacked CROSS JOIN LATERAL meter_unpacked(repacked.packed) reading
), micros AS (
    SELECT meter_id, ts, kwh_consumed_ac, voltage, received_at,
           CAST(EXTRACT(EPOCH FROM ts) * 1000000 AS bigint) AS ts_us,
           CAST(EXTRACT(EPOCH FROM received_at) * 1000000 AS bigint) AS received_us
    FROM readings
)
INSERT INTO meter_history_packed (meter_id, day, readings, first_ts, last_ts, ts_steps, kwh_consumed_ac, voltage,
                                      first_received_at, received_steps, kwh_consumed_ac_total)
SELECT meter_id, :from, count(*), min(ts), max(ts), array_agg(ts_step ORDER BY ts),
       array_agg(kwh_consumed_ac ORDER BY ts),
       array_agg(voltage ORDER BY ts),
       min(first_received_at), array_agg(received_step ORDER BY ts),
       sum(kwh_consumed_ac ORDER BY ts)
FROM (SELECT meter_id, ts, kwh_consumed_ac, voltage,
             ts_us - lag(ts_us, 1, ts_us) OVER device AS ts_step,
             first_value(received_at) OVER device AS first_received_at,
             received_us - lag(received_us, 1, received_us) OVER device AS received_step
      FROM micros
      WINDOW device AS (PARTITION BY meter_id ORDER BY ts)) steps
GROUP BY meter_id
ORDER BY meter_id
RETURNING meter_id
