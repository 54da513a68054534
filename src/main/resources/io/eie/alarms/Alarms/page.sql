-- A page of alarms, newest first (by id, the order they were raised in), before the id :before:
-- those open (:state 'active'), cleared ('cleared') or all ('all'); of one rule, one device and
-- acknowledged or not when those are given; and open at some time in [:from, :to).
SELECT * FROM alarm
WHERE id < :before
  AND CASE CAST(:state AS text) WHEN 'active' THEN cleared_at IS NULL
                                WHEN 'cleared' THEN cleared_at IS NOT NULL
                                ELSE true END
  AND (CAST(:rule AS text) IS NULL OR rule = :rule)
  AND (CAST(:deviceId AS text) IS NULL OR device_id = :deviceId)
  AND (CAST(:acknowledged AS boolean) IS NULL OR (acknowledged_at IS NOT NULL) = :acknowledged)
  AND raised_at < :to AND (cleared_at IS NULL OR cleared_at >= :from)
ORDER BY id DESC
LIMIT :limit
