-- The target took the event.
UPDATE alarm_delivery SET delivered_at = :now, last_error = NULL
WHERE event_id = :eventId AND target = :target
