-- Up to :limit rejections after (:since, :afterId) in (received_at, id) order; only the device
-- :deviceId's when it is not null.
SELECT id, received_at, source, topic, device_id, payload, payload_size, reasons::text AS reasons
FROM rejected_telemetry
WHERE (received_at, id) > (:since, :afterId)
  AND (CAST(:deviceId AS text) IS NULL OR device_id = :deviceId)
ORDER BY received_at, id
LIMIT :limit
