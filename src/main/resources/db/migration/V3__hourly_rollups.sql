-- Hourly rollups: one row per device and UTC hour, kept up to date in the same transaction that
-- appends the history rows, so that fleet-wide and long-window analytics read a few rows per
-- device instead of every reading. Partitioned by day like history (the same partition days,
-- made and dropped together), so retention drops them whole.
--
-- kwh is the energy of the hour: for a device that reports the energy of each interval, the sum
-- of its readings; for one that reports a cumulative register, the sum of the differences
-- between each reading of the hour and the one before it (which may lie in an earlier hour), a
-- drop counting as a reset from the new value. resets counts those drops.
-- minutes has bit m set when the device reported in minute m of the hour: coverage in minutes.

CREATE TABLE meter_hourly (
    meter_id    text             NOT NULL,
    hour        timestamptz      NOT NULL,
    readings    integer          NOT NULL,
    kwh         numeric          NOT NULL,
    resets      integer          NOT NULL,
    voltage_sum double precision NOT NULL,
    minutes     bigint           NOT NULL,
    CONSTRAINT meter_hourly_pkey PRIMARY KEY (meter_id, hour)
) PARTITION BY RANGE (hour);

CREATE TABLE vehicle_hourly (
    vehicle_id       text             NOT NULL,
    hour             timestamptz      NOT NULL,
    readings         integer          NOT NULL,
    kwh              numeric          NOT NULL,
    resets           integer          NOT NULL,
    battery_temp_sum double precision NOT NULL,
    battery_temp_max double precision NOT NULL,
    last_ts          timestamptz      NOT NULL,
    last_soc         double precision NOT NULL,
    minutes          bigint           NOT NULL,
    CONSTRAINT vehicle_hourly_pkey PRIMARY KEY (vehicle_id, hour)
) PARTITION BY RANGE (hour);

-- How a device reports energy: 'interval' (the energy since its previous report, the default) or
-- 'register' (a cumulative meter reading, such as OCPP Energy.Active.Import.Register). A device
-- without a row follows the engine's configured default for its kind.

CREATE TABLE device_energy_mode (
    kind       text        NOT NULL CHECK (kind IN ('meter', 'vehicle')),
    device_id  text        NOT NULL,
    mode       text        NOT NULL CHECK (mode IN ('interval', 'register')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT device_energy_mode_pkey PRIMARY KEY (kind, device_id)
);

-- Settings the stored data depends on: the default energy mode the rollups were computed with.
-- The engine compares them with its configuration at start and rebuilds the rollups they change.

CREATE TABLE engine_setting (
    name  text PRIMARY KEY,
    value text NOT NULL
);

INSERT INTO engine_setting (name, value) VALUES ('meter_energy_mode', 'interval'), ('vehicle_energy_mode', 'interval');

-- The history already stored gets its rollups now: a partition for each day history has, then
-- the sums (every device reported intervals until now, the only mode there was).

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
        EXECUTE format('CREATE TABLE %I PARTITION OF meter_hourly FOR VALUES FROM (%L) TO (%L)',
                       'meter_hourly_p' || to_char(day, 'YYYYMMDD'), day::text || 'T00:00:00Z', (day + 1)::text || 'T00:00:00Z');
        EXECUTE format('CREATE TABLE %I PARTITION OF vehicle_hourly FOR VALUES FROM (%L) TO (%L)',
                       'vehicle_hourly_p' || to_char(day, 'YYYYMMDD'), day::text || 'T00:00:00Z', (day + 1)::text || 'T00:00:00Z');
    END LOOP;
END
$$;

INSERT INTO meter_hourly (meter_id, hour, readings, kwh, resets, voltage_sum, minutes)
SELECT meter_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_consumed_ac), 0, sum(voltage),
       bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
FROM meter_telemetry_history
GROUP BY 1, 2;

INSERT INTO vehicle_hourly (vehicle_id, hour, readings, kwh, resets, battery_temp_sum, battery_temp_max, last_ts,
                            last_soc, minutes)
SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_delivered_dc), 0, sum(battery_temp),
       max(battery_temp), max(ts), (array_agg(soc ORDER BY ts DESC))[1],
       bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
FROM vehicle_telemetry_history
GROUP BY 1, 2;
