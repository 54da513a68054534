-- What waits to be delivered, by target: how many, how many of them failed at their last
-- attempt, since when the oldest waits, and the latest error.
SELECT target, count(*) AS pending, count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
       min(event.at) AS oldest, (array_agg(last_error ORDER BY last_attempt_at DESC NULLS LAST))[1] AS last_error
FROM alarm_delivery JOIN alarm_event event ON event.id = alarm_delivery.event_id
WHERE delivered_at IS NULL
GROUP BY target
ORDER BY target
