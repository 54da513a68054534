-- Packed history: once a day is closed, each device's readings of that day move out of the
-- row-per-reading history into one row, its values held as arrays in time order, which
-- PostgreSQL compresses (TOAST). Timestamps and arrival times are kept as steps in microseconds
-- from the reading before (the first step is 0, from first_ts or first_received_at): a device that
-- reports on a steady clock repeats one step all day, which compresses to almost nothing. Energy
-- stays numeric, exactly as sent. Partitioned by day like history, so retention drops both whole.
--
-- A day may have packed rows and rows in history at once (readings that arrived after it was
-- packed, until it is packed again): every reader reads both, through the functions below, and a
-- reading is in exactly one of them.

CREATE TABLE meter_history_packed (
    meter_id          text               NOT NULL,
    day               timestamptz        NOT NULL,
    readings          integer            NOT NULL,
    first_ts          timestamptz        NOT NULL,
    last_ts           timestamptz        NOT NULL,
    ts_steps          bigint[]           NOT NULL,
    kwh_consumed_ac   numeric[]          NOT NULL,
    voltage           double precision[] NOT NULL,
    first_received_at timestamptz        NOT NULL,
    received_steps    bigint[]           NOT NULL,
    CONSTRAINT meter_history_packed_pkey PRIMARY KEY (meter_id, day)
) PARTITION BY RANGE (day);

CREATE TABLE vehicle_history_packed (
    vehicle_id        text               NOT NULL,
    day               timestamptz        NOT NULL,
    readings          integer            NOT NULL,
    first_ts          timestamptz        NOT NULL,
    last_ts           timestamptz        NOT NULL,
    ts_steps          bigint[]           NOT NULL,
    soc               double precision[] NOT NULL,
    kwh_delivered_dc  numeric[]          NOT NULL,
    battery_temp      double precision[] NOT NULL,
    first_received_at timestamptz        NOT NULL,
    received_steps    bigint[]           NOT NULL,
    CONSTRAINT vehicle_history_packed_pkey PRIMARY KEY (vehicle_id, day)
) PARTITION BY RANGE (day);

-- Every day history already has gets its packed partitions now (empty).

DO $$
DECLARE
    day date;
BEGIN
    FOR day IN
        SELECT DISTINCT to_date(substring(child.relname FROM '_p(\d{8})$'), 'YYYYMMDD')
        FROM pg_inherits
        JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
        JOIN pg_class child ON child.oid = pg_inherits.inhrelid
        WHERE parent.relname IN ('meter_telemetry_history', 'vehicle_telemetry_history')
          AND parent.relnamespace = current_schema()::regnamespace
          AND child.relname ~ '_p\d{8}$'
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF meter_history_packed FOR VALUES FROM (%L) TO (%L)',
                       'meter_history_packed_p' || to_char(day, 'YYYYMMDD'), day::text || 'T00:00:00Z', (day + 1)::text || 'T00:00:00Z');
        EXECUTE format('CREATE TABLE %I PARTITION OF vehicle_history_packed FOR VALUES FROM (%L) TO (%L)',
                       'vehicle_history_packed_p' || to_char(day, 'YYYYMMDD'), day::text || 'T00:00:00Z', (day + 1)::text || 'T00:00:00Z');
    END LOOP;
END
$$;

-- The readings of one packed row, in time order. The running sums of the steps give each
-- reading's timestamp and arrival back to the microsecond.

CREATE FUNCTION meter_unpacked(packed meter_history_packed)
RETURNS TABLE (ts timestamptz, kwh_consumed_ac numeric, voltage double precision, received_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT packed.first_ts + CAST(sum(ts_step) OVER running AS bigint) * interval '1 microsecond',
           kwh_consumed_ac, voltage,
           packed.first_received_at + CAST(sum(received_step) OVER running AS bigint) * interval '1 microsecond'
    FROM unnest(packed.ts_steps, packed.kwh_consumed_ac, packed.voltage, packed.received_steps)
         WITH ORDINALITY AS reading(ts_step, kwh_consumed_ac, voltage, received_step, n)
    WINDOW running AS (ORDER BY n ROWS UNBOUNDED PRECEDING)
$$;

CREATE FUNCTION vehicle_unpacked(packed vehicle_history_packed)
RETURNS TABLE (ts timestamptz, soc double precision, kwh_delivered_dc numeric, battery_temp double precision,
               received_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT packed.first_ts + CAST(sum(ts_step) OVER running AS bigint) * interval '1 microsecond',
           soc, kwh_delivered_dc, battery_temp,
           packed.first_received_at + CAST(sum(received_step) OVER running AS bigint) * interval '1 microsecond'
    FROM unnest(packed.ts_steps, packed.soc, packed.kwh_delivered_dc, packed.battery_temp, packed.received_steps)
         WITH ORDINALITY AS reading(ts_step, soc, kwh_delivered_dc, battery_temp, received_step, n)
    WINDOW running AS (ORDER BY n ROWS UNBOUNDED PRECEDING)
$$;

-- The times and energies of one packed row, in time order: what a device's energy needs, without
-- reading its other arrays.

CREATE FUNCTION packed_energies(p_first_ts timestamptz, p_ts_steps bigint[], p_energies numeric[])
RETURNS TABLE (ts timestamptz, kwh numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT p_first_ts + CAST(sum(ts_step) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING) AS bigint) * interval '1 microsecond',
           kwh
    FROM unnest(p_ts_steps, p_energies) WITH ORDINALITY AS reading(ts_step, kwh, n)
$$;

-- Every reading of one device in [p_from, p_to), packed or not, in no particular order. A SQL
-- function of one query, so PostgreSQL plans it into the query that calls it: the history part is
-- an index range scan as before, and only the packed rows of days that overlap the span are
-- unpacked.

CREATE FUNCTION meter_readings(p_meter_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, kwh_consumed_ac numeric, voltage double precision, received_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, kwh_consumed_ac, voltage, received_at
    FROM meter_telemetry_history
    WHERE meter_id = p_meter_id AND ts >= p_from AND ts < p_to
    UNION ALL
    SELECT reading.ts, reading.kwh_consumed_ac, reading.voltage, reading.received_at
    FROM meter_history_packed packed CROSS JOIN LATERAL meter_unpacked(packed) reading
    WHERE packed.meter_id = p_meter_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
      AND packed.last_ts >= p_from AND packed.first_ts < p_to
      AND reading.ts >= p_from AND reading.ts < p_to
$$;

CREATE FUNCTION vehicle_readings(p_vehicle_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, soc double precision, kwh_delivered_dc numeric, battery_temp double precision,
               received_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, soc, kwh_delivered_dc, battery_temp, received_at
    FROM vehicle_telemetry_history
    WHERE vehicle_id = p_vehicle_id AND ts >= p_from AND ts < p_to
    UNION ALL
    SELECT reading.ts, reading.soc, reading.kwh_delivered_dc, reading.battery_temp, reading.received_at
    FROM vehicle_history_packed packed CROSS JOIN LATERAL vehicle_unpacked(packed) reading
    WHERE packed.vehicle_id = p_vehicle_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
      AND packed.last_ts >= p_from AND packed.first_ts < p_to
      AND reading.ts >= p_from AND reading.ts < p_to
$$;

-- What the analytics read most, narrowed to it: a device's energies with their times (a register's
-- energy needs their order), and its sums over a span (an interval device's energy, a vehicle's
-- mean battery temperature). Only the arrays asked for are read, and the sums take a packed day
-- that lies wholly in the span as it is, without working out its readings' times.

CREATE FUNCTION meter_energies(p_meter_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, kwh_consumed_ac numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, kwh_consumed_ac
    FROM meter_telemetry_history
    WHERE meter_id = p_meter_id AND ts >= p_from AND ts < p_to
    UNION ALL
    SELECT reading.ts, reading.kwh_consumed_ac
    FROM meter_history_packed packed
    CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_consumed_ac) AS reading(ts, kwh_consumed_ac)
    WHERE packed.meter_id = p_meter_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
      AND packed.last_ts >= p_from AND packed.first_ts < p_to
      AND reading.ts >= p_from AND reading.ts < p_to
$$;

CREATE FUNCTION vehicle_energies(p_vehicle_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (ts timestamptz, kwh_delivered_dc numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, kwh_delivered_dc
    FROM vehicle_telemetry_history
    WHERE vehicle_id = p_vehicle_id AND ts >= p_from AND ts < p_to
    UNION ALL
    SELECT reading.ts, reading.kwh_delivered_dc
    FROM vehicle_history_packed packed
    CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_delivered_dc) AS reading(ts, kwh_delivered_dc)
    WHERE packed.vehicle_id = p_vehicle_id AND packed.day > p_from - interval '24 hours' AND packed.day < p_to
      AND packed.last_ts >= p_from AND packed.first_ts < p_to
      AND reading.ts >= p_from AND reading.ts < p_to
$$;

CREATE FUNCTION meter_sums(p_meter_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kwh_consumed_ac numeric, readings bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(kwh_consumed_ac), 0), CAST(coalesce(sum(readings), 0) AS bigint) FROM (
        SELECT sum(kwh_consumed_ac) AS kwh_consumed_ac, count(*) AS readings
        FROM meter_telemetry_history
        WHERE meter_id = p_meter_id AND ts >= p_from AND ts < p_to
        UNION ALL
        SELECT (SELECT sum(value) FROM unnest(packed.kwh_consumed_ac) AS value), packed.readings
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

CREATE FUNCTION vehicle_sums(p_vehicle_id text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kwh_delivered_dc numeric, readings bigint, battery_temp double precision)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(sum(kwh_delivered_dc), 0), CAST(coalesce(sum(readings), 0) AS bigint), sum(battery_temp) FROM (
        SELECT sum(kwh_delivered_dc) AS kwh_delivered_dc, count(*) AS readings, sum(battery_temp) AS battery_temp
        FROM vehicle_telemetry_history
        WHERE vehicle_id = p_vehicle_id AND ts >= p_from AND ts < p_to
        UNION ALL
        SELECT sums.kwh_delivered_dc, packed.readings, sums.battery_temp
        FROM vehicle_history_packed packed CROSS JOIN LATERAL (
            SELECT sum(kwh_delivered_dc) AS kwh_delivered_dc, sum(battery_temp) AS battery_temp
            FROM unnest(packed.kwh_delivered_dc, packed.battery_temp) AS reading(kwh_delivered_dc, battery_temp)) sums
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

-- The device's last reading before p_at (none if it has none), packed or not: where a cumulative
-- register's first reading of a span rises from.

CREATE FUNCTION meter_reading_before(p_meter_id text, p_at timestamptz)
RETURNS TABLE (ts timestamptz, kwh_consumed_ac numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, kwh_consumed_ac FROM (
        (SELECT ts, kwh_consumed_ac FROM meter_telemetry_history
         WHERE meter_id = p_meter_id AND ts < p_at ORDER BY ts DESC LIMIT 1)
        UNION ALL
        (SELECT reading.ts, reading.kwh_consumed_ac
         FROM (SELECT * FROM meter_history_packed
               WHERE meter_id = p_meter_id AND day < p_at AND first_ts < p_at ORDER BY day DESC LIMIT 1) packed
         CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_consumed_ac) AS reading(ts, kwh_consumed_ac)
         WHERE reading.ts < p_at ORDER BY reading.ts DESC LIMIT 1)
    ) candidates
    ORDER BY ts DESC LIMIT 1
$$;

CREATE FUNCTION vehicle_reading_before(p_vehicle_id text, p_at timestamptz)
RETURNS TABLE (ts timestamptz, kwh_delivered_dc numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts, kwh_delivered_dc FROM (
        (SELECT ts, kwh_delivered_dc FROM vehicle_telemetry_history
         WHERE vehicle_id = p_vehicle_id AND ts < p_at ORDER BY ts DESC LIMIT 1)
        UNION ALL
        (SELECT reading.ts, reading.kwh_delivered_dc
         FROM (SELECT * FROM vehicle_history_packed
               WHERE vehicle_id = p_vehicle_id AND day < p_at AND first_ts < p_at ORDER BY day DESC LIMIT 1) packed
         CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_delivered_dc) AS reading(ts, kwh_delivered_dc)
         WHERE reading.ts < p_at ORDER BY reading.ts DESC LIMIT 1)
    ) candidates
    ORDER BY ts DESC LIMIT 1
$$;

-- The time of the device's first reading at or after p_at (none if it has none), packed or not.

CREATE FUNCTION meter_reading_from(p_meter_id text, p_at timestamptz)
RETURNS TABLE (ts timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts FROM (
        (SELECT ts FROM meter_telemetry_history WHERE meter_id = p_meter_id AND ts >= p_at ORDER BY ts LIMIT 1)
        UNION ALL
        (SELECT reading.ts
         FROM (SELECT * FROM meter_history_packed
               WHERE meter_id = p_meter_id AND day > p_at - interval '24 hours' AND last_ts >= p_at
               ORDER BY day LIMIT 1) packed
         CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_consumed_ac) AS reading(ts, kwh_consumed_ac)
         WHERE reading.ts >= p_at ORDER BY reading.ts LIMIT 1)
    ) candidates
    ORDER BY ts LIMIT 1
$$;

CREATE FUNCTION vehicle_reading_from(p_vehicle_id text, p_at timestamptz)
RETURNS TABLE (ts timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ts FROM (
        (SELECT ts FROM vehicle_telemetry_history WHERE vehicle_id = p_vehicle_id AND ts >= p_at ORDER BY ts LIMIT 1)
        UNION ALL
        (SELECT reading.ts
         FROM (SELECT * FROM vehicle_history_packed
               WHERE vehicle_id = p_vehicle_id AND day > p_at - interval '24 hours' AND last_ts >= p_at
               ORDER BY day LIMIT 1) packed
         CROSS JOIN LATERAL packed_energies(packed.first_ts, packed.ts_steps, packed.kwh_delivered_dc) AS reading(ts, kwh_delivered_dc)
         WHERE reading.ts >= p_at ORDER BY reading.ts LIMIT 1)
    ) candidates
    ORDER BY ts LIMIT 1
$$;
