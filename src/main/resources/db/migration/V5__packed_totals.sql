-- Each packed row also holds the sums of its day that a report asks for: the energies (an
-- interval device's energy over the day) and, for a vehicle, the battery temperatures (their
-- mean). Summed in time order when the row is packed, as a scan of history sums them, so a report
-- over a packed day reads these few bytes instead of decompressing the arrays. Energy stays exact:
-- numeric sums numeric.

ALTER TABLE meter_history_packed ADD COLUMN kwh_consumed_ac_total numeric;
ALTER TABLE vehicle_history_packed ADD COLUMN kwh_delivered_dc_total numeric,
                                   ADD COLUMN battery_temp_total double precision;

UPDATE meter_history_packed
SET kwh_consumed_ac_total = (SELECT sum(value ORDER BY n) FROM unnest(kwh_consumed_ac) WITH ORDINALITY AS reading(value, n));
UPDATE vehicle_history_packed
SET kwh_delivered_dc_total = (SELECT sum(value ORDER BY n) FROM unnest(kwh_delivered_dc) WITH ORDINALITY AS reading(value, n)),
    battery_temp_total = (SELECT sum(value ORDER BY n) FROM unnest(battery_temp) WITH ORDINALITY AS reading(value, n));

ALTER TABLE meter_history_packed ALTER COLUMN kwh_consumed_ac_total SET NOT NULL;
ALTER TABLE vehicle_history_packed ALTER COLUMN kwh_delivered_dc_total SET NOT NULL,
                                   ALTER COLUMN battery_temp_total SET NOT NULL;

-- The sums over a span, as in V4, now taking a packed day that lies wholly in the span from its
-- totals.

CREATE OR REPLACE FUNCTION meter_sums(p_meter_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kwh_consumed_ac numeric, readings bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(kwh_consumed_ac), 0), CAST(coalesce(sum(readings), 0) AS bigint) FROM (
        SELECT sum(kwh_consumed_ac) AS kwh_consumed_ac, count(*) AS readings
        FROM meter_telemetry_history
        WHERE meter_id = p_meter_id AND ts >= p_from AND ts < p_to
        UNION ALL
        SELECT packed.kwh_consumed_ac_total, packed.readings
        FROM meter_history_packed packed
        WHERE packed.meter_id = p_meter_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
          AND packed.first_ts >= p_from AND packed.last_ts < p_to
        UNION ALL
        SELECT sum(reading.kwh_consumed_ac), count(*)
        FROM meter_history_packed packed
        CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_consumed_ac) AS reading(ts, kwh_consumed_ac)
        WHERE packed.meter_id = p_meter_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
          AND packed.last_ts >= p_from AND packed.first_ts < p_to AND (packed.first_ts < p_from OR packed.last_ts >= p_to)
          AND reading.ts >= p_from AND reading.ts < p_to
    ) parts
$$;

CREATE OR REPLACE FUNCTION vehicle_sums(p_vehicle_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kwh_delivered_dc numeric, readings bigint, battery_temp double precision)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(kwh_delivered_dc), 0), CAST(coalesce(sum(readings), 0) AS bigint), sum(battery_temp) FROM (
        SELECT sum(kwh_delivered_dc) AS kwh_delivered_dc, count(*) AS readings, sum(battery_temp) AS battery_temp
        FROM vehicle_telemetry_history
        WHERE vehicle_id = p_vehicle_id AND ts >= p_from AND ts < p_to
        UNION ALL
        SELECT packed.kwh_delivered_dc_total, packed.readings, packed.battery_temp_total
        FROM vehicle_history_packed packed
        WHERE packed.vehicle_id = p_vehicle_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
          AND packed.first_ts >= p_from AND packed.last_ts < p_to
        UNION ALL
        SELECT sum(reading.kwh_delivered_dc), count(*), sum(reading.battery_temp)
        FROM vehicle_history_packed packed CROSS JOIN LATERAL (
            SELECT packed.first_ts + CAST(sum(ts_step) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS bigint)
                                     * interval '1 microsecond' AS ts, kwh_delivered_dc, battery_temp
            FROM unnest(packed.ts_steps, packed.kwh_delivered_dc, packed.battery_temp)
                 WITH ORDINALITY AS reading(ts_step, kwh_delivered_dc, battery_temp, n)) reading
        WHERE packed.vehicle_id = p_vehicle_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
          AND packed.last_ts >= p_from AND packed.first_ts < p_to AND (packed.first_ts < p_from OR packed.last_ts >= p_to)
          AND reading.ts >= p_from AND reading.ts < p_to
    ) parts
$$;
