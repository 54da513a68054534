-- GET /v1/rejections pages through rejections in (received_at, id) order, from a cursor.
DROP INDEX rejected_telemetry_received_at;
CREATE INDEX rejected_telemetry_received_at_id ON rejected_telemetry (received_at, id);
