-- Cold: every reading, append-only, one row per (device, device timestamp).
-- Range-partitioned by day (UTC) on the device's own timestamp; the engine creates the daily
-- partitions ahead of time and on demand for late data, and drops whole partitions past the
-- retention window. Energy is numeric: stored exactly as sent, summed without drift.
-- The primary key carries the columns the analytics sum, so that a window over one device is
-- an index-only range scan.

CREATE TABLE meter_telemetry_history (
    meter_id        text             NOT NULL,
    ts              timestamptz      NOT NULL,
    kwh_consumed_ac numeric          NOT NULL,
    voltage         double precision NOT NULL,
    received_at     timestamptz      NOT NULL,
    CONSTRAINT meter_telemetry_history_pkey PRIMARY KEY (meter_id, ts) INCLUDE (kwh_consumed_ac)
) PARTITION BY RANGE (ts);

CREATE TABLE vehicle_telemetry_history (
    vehicle_id       text             NOT NULL,
    ts               timestamptz      NOT NULL,
    soc              double precision NOT NULL,
    kwh_delivered_dc numeric          NOT NULL,
    battery_temp     double precision NOT NULL,
    received_at      timestamptz      NOT NULL,
    CONSTRAINT vehicle_telemetry_history_pkey PRIMARY KEY (vehicle_id, ts) INCLUDE (kwh_delivered_dc, battery_temp)
) PARTITION BY RANGE (ts);

-- Hot: the latest reading of each device, by device time. Updated in place many times a day;
-- the spare room per page (fillfactor) keeps those updates HOT (no index churn).

CREATE TABLE meter_live_status (
    meter_id        text             PRIMARY KEY,
    ts              timestamptz      NOT NULL,
    kwh_consumed_ac numeric          NOT NULL,
    voltage         double precision NOT NULL,
    received_at     timestamptz      NOT NULL
) WITH (fillfactor = 80);

CREATE TABLE vehicle_live_status (
    vehicle_id       text             PRIMARY KEY,
    ts               timestamptz      NOT NULL,
    soc              double precision NOT NULL,
    kwh_delivered_dc numeric          NOT NULL,
    battery_temp     double precision NOT NULL,
    received_at      timestamptz      NOT NULL
) WITH (fillfactor = 80);

-- Reference: which meter feeds which vehicle, over which half-open span [valid_from, valid_to).
-- A vehicle has at most one open link (valid_to IS NULL); a new link closes the previous one.

CREATE TABLE vehicle_meter_link (
    vehicle_id text        NOT NULL,
    meter_id   text        NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT vehicle_meter_link_pkey PRIMARY KEY (vehicle_id, valid_from),
    CONSTRAINT vehicle_meter_link_span CHECK (valid_to IS NULL OR valid_to > valid_from)
);

CREATE UNIQUE INDEX vehicle_meter_link_one_open ON vehicle_meter_link (vehicle_id) WHERE valid_to IS NULL;
CREATE INDEX vehicle_meter_link_by_meter ON vehicle_meter_link (meter_id, valid_from);

-- Audit: what was refused and why. The payload is kept as raw bytes (it may not even be UTF-8),
-- capped by the engine; payload_size is the size before capping.

CREATE TABLE rejected_telemetry (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    source       text        NOT NULL CHECK (source IN ('mqtt', 'http')),
    topic        text,
    device_id    text,
    payload      bytea       NOT NULL,
    payload_size integer     NOT NULL,
    reasons      jsonb       NOT NULL
);

CREATE INDEX rejected_telemetry_received_at ON rejected_telemetry (received_at);
