-- Acknowledges the alarm :id at :now by :actor, unless it already is; the acknowledgement is
-- also an event, to be delivered to each of :targets. Returns the alarm's id when this
-- acknowledged it.
WITH acknowledged AS (
    UPDATE alarm SET acknowledged_at = :now, acknowledged_by = :actor
    WHERE id = :id AND acknowledged_at IS NULL
    RETURNING id, rule, latest_value
), event AS (
    INSERT INTO alarm_event (alarm_id, type, at, value, actor)
    SELECT id, 'acknowledged', :now, latest_value, :actor FROM acknowledged
    RETURNING id
), deliveries AS (
    INSERT INTO alarm_delivery (event_id, target, next_attempt_at)
    SELECT event.id, target, CAST(:now AS timestamptz) FROM event CROSS JOIN unnest(CAST(:targets AS text[])) AS target
)
SELECT id, rule FROM acknowledged
