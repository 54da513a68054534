-- Notifications of alarm events: one row per event and target (a webhook's URL, or 'mqtt'),
-- made in the transaction that makes the event, and marked delivered once the target took it.
-- Until then it is retried with backoff, across restarts and by whichever instance is free
-- (an attempt leases the row until next_attempt_at). Deleted with its event.

CREATE TABLE alarm_delivery (
    event_id        bigint      NOT NULL REFERENCES alarm_event (id) ON DELETE CASCADE,
    target          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_attempt_at timestamptz,
    last_error      text,
    delivered_at    timestamptz,
    CONSTRAINT alarm_delivery_pkey PRIMARY KEY (event_id, target)
);

CREATE INDEX alarm_delivery_due ON alarm_delivery (next_attempt_at) WHERE delivered_at IS NULL;
