-- The deliveries of one alarm's events.
SELECT delivery.event_id, delivery.target, delivery.attempts, delivery.delivered_at, delivery.next_attempt_at,
       delivery.last_error
FROM alarm_delivery delivery JOIN alarm_event event ON event.id = delivery.event_id
WHERE event.alarm_id = :alarmId
ORDER BY delivery.event_id, delivery.target
