-- One refused message or reading, with every problem found in it (a JSON array of {field, message}).
INSERT INTO rejected_telemetry (received_at, source, topic, device_id, payload, payload_size, reasons)
VALUES (:receivedAt, :source, :topic, :deviceId, :payload, :payloadSize, CAST(:reasons AS jsonb))
