-- Whether a history partition (<partition>, such as meter_telemetry_history_p20260210) holds any
-- reading.
SELECT EXISTS (SELECT 1 FROM <partition>)
