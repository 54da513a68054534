-- Claims up to :limit deliveries that are due at :now, and leases them until :leaseUntil (an
-- instance that dies while sending leaves them to be retried then). A delivery waits while an
-- earlier event of the same alarm is undelivered to the same target, so that a target hears of
-- an alarm's events in order. Rows another instance is claiming are skipped. Returns what a
-- notification says: the event, and what never changes of its alarm.
WITH due AS (
    SELECT delivery.event_id, delivery.target
    FROM alarm_delivery delivery
    JOIN alarm_event event ON event.id = delivery.event_id
    WHERE delivery.delivered_at IS NULL AND delivery.next_attempt_at <= :now
      AND NOT EXISTS (SELECT FROM alarm_delivery earlier
                      JOIN alarm_event earlier_event ON earlier_event.id = earlier.event_id
                      WHERE earlier.target = delivery.target AND earlier.delivered_at IS NULL
                        AND earlier_event.alarm_id = event.alarm_id AND earlier.event_id < delivery.event_id)
    ORDER BY delivery.event_id
    LIMIT :limit
    FOR UPDATE OF delivery SKIP LOCKED
), claimed AS (
    UPDATE alarm_delivery delivery
    SET attempts = delivery.attempts + 1, last_attempt_at = :now, next_attempt_at = :leaseUntil
    FROM due
    WHERE delivery.event_id = due.event_id AND delivery.target = due.target
    RETURNING delivery.event_id, delivery.target, delivery.attempts
)
SELECT claimed.event_id, claimed.target, claimed.attempts, event.type, event.at, event.value, event.actor,
       alarm.id AS alarm_id, alarm.rule, alarm.device_kind, alarm.device_id, alarm.raised_at, alarm.raised_value
FROM claimed
JOIN alarm_event event ON event.id = claimed.event_id
JOIN alarm ON alarm.id = event.alarm_id
ORDER BY claimed.event_id
