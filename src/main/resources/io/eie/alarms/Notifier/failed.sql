-- The target did not take the event: why, and when to try again.
UPDATE alarm_delivery SET last_error = :error, next_attempt_at = :nextAttemptAt
WHERE event_id = :eventId AND target = :target
