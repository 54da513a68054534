-- Alarms: a rule's condition holding for one device, from when it was raised until it cleared,
-- and what happened to it (raised, acknowledged, cleared) as events. At most one alarm per rule
-- and device is open (not cleared) at a time, whichever engine instance raises it: the partial
-- unique index decides. Cleared alarms stay, with their events, as the device's history.
--
-- value: what the rule measures, in the rule's unit (low_efficiency and impossible_efficiency:
-- DC ÷ AC; silent: seconds since the device was last heard; battery_temperature: °C). The value
-- that raised the alarm is kept beside the latest.

CREATE TABLE alarm (
    id              bigint      GENERATED ALWAYS AS IDENTITY,
    rule            text        NOT NULL CHECK (rule IN ('low_efficiency', 'impossible_efficiency', 'silent', 'battery_temperature')),
    device_kind     text        NOT NULL CHECK (device_kind IN ('meter', 'vehicle')),
    device_id       text        NOT NULL,
    raised_at       timestamptz NOT NULL,
    raised_value    numeric,
    latest_value    numeric,
    latest_at       timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    cleared_at      timestamptz,
    cleared_value   numeric,
    CONSTRAINT alarm_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX alarm_open ON alarm (rule, device_kind, device_id) WHERE cleared_at IS NULL;
CREATE INDEX alarm_device ON alarm (device_id, id);

CREATE TABLE alarm_event (
    id       bigint      GENERATED ALWAYS AS IDENTITY,
    alarm_id bigint      NOT NULL REFERENCES alarm (id) ON DELETE CASCADE,
    type     text        NOT NULL CHECK (type IN ('raised', 'acknowledged', 'cleared')),
    at       timestamptz NOT NULL,
    value    numeric,
    actor    text,
    CONSTRAINT alarm_event_pkey PRIMARY KEY (id)
);

CREATE INDEX alarm_event_alarm ON alarm_event (alarm_id, id);

-- Each vehicle linked in [p_from, p_to) (whole hours): its meters' AC over the hours each link
-- covers (a link counts for the hours whose start it covers), its DC over the same hours, and both
-- sides' readings, from the hourly rollups the writer keeps: two index range scans per link. What
-- the efficiency alarms judge.

CREATE FUNCTION linked_energy(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (vehicle_id text, ac numeric, dc numeric, meter_readings bigint, vehicle_readings bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT link.vehicle_id, sum(meter.kwh), sum(vehicle.kwh),
           CAST(sum(meter.readings) AS bigint), CAST(sum(vehicle.readings) AS bigint)
    FROM vehicle_meter_link link
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(kwh), 0) AS kwh, coalesce(sum(readings), 0) AS readings
        FROM meter_hourly
        WHERE meter_id = link.meter_id AND hour >= p_from AND hour < p_to
          AND hour >= link.valid_from AND (link.valid_to IS NULL OR hour < link.valid_to)) meter
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(kwh), 0) AS kwh, coalesce(sum(readings), 0) AS readings
        FROM vehicle_hourly
        WHERE vehicle_id = link.vehicle_id AND hour >= p_from AND hour < p_to
          AND hour >= link.valid_from AND (link.valid_to IS NULL OR hour < link.valid_to)) vehicle
    WHERE link.valid_from < p_to AND (link.valid_to IS NULL OR link.valid_to > p_from)
    GROUP BY link.vehicle_id
$$;
