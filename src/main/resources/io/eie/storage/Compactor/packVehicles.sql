-- Packs the day [:from, :to) of the next :devices vehicles after :after, as packMeters.sql
-- does for meters. Returns the vehicles packed.
WITH devices AS (
    SELECT DISTINCT vehicle_id FROM vehicle_telemetry_history
    WHERE ts >= :from AND ts < :to AND vehicle_id > :after
    ORDER BY vehicle_id LIMIT :devices
), moved AS (
    DELETE FROM vehicle_telemetry_history history USING devices
    WHERE history.vehicle_id = devices.vehicle_id AND history.ts >= :from AND history.ts < :to
    RETURNING history.vehicle_id, history.ts, history.soc, history.kwh_delivered_dc, history.battery_temp, history.received_at
), repacked AS (
    DELETE FROM vehicle_history_packed packed USING devices
    WHERE packed.vehicle_id = devices.vehicle_id AND packed.day = :from
    RETURNING packed
), readings AS (
    SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at FROM moved
    UNION ALL
    SELECT (repacked.packed).vehicle_id, reading.ts, reading.soc, reading.kwh_delivered_dc, reading.battery_temp, reading.received_at
    FROM repacked CROSS JOIN LATERAL vehicle_unpacked(repacked.packed) reading
), micros AS (
    SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at,
           CAST(EXTRACT(EPOCH FROM ts) * 1000000 AS bigint) AS ts_us,
           CAST(EXTRACT(EPOCH FROM received_at) * 1000000 AS bigint) AS received_us
    FROM readings
)
INSERT INTO vehicle_history_packed (vehicle_id, day, readings, first_ts, last_ts, ts_steps, soc, kwh_delivered_dc, battery_temp,
                                        first_received_at, received_steps, kwh_delivered_dc_total, battery_temp_total)
SELECT vehicle_id, :from, count(*), min(ts), max(ts), array_agg(ts_step ORDER BY ts),
       array_agg(soc ORDER BY ts),
       array_agg(kwh_delivered_dc ORDER BY ts),
       array_agg(battery_temp ORDER BY ts),
       min(first_received_at), array_agg(received_step ORDER BY ts),
       sum(kwh_delivered_dc ORDER BY ts), sum(battery_temp ORDER BY ts)
FROM (SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp,
             ts_us - lag(ts_us, 1, ts_us) OVER device AS ts_step,
             first_value(received_at) OVER device AS first_received_at,
             received_us - lag(received_us, 1, received_us) OVER device AS received_step
      FROM micros
      WINDOW device AS (PARTITION BY vehicle_id ORDER BY ts)) steps
GROUP BY vehicle_id
ORDER BY vehicle_id
RETURNING vehicle_id
