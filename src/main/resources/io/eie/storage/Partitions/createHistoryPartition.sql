-- A day's partition of a history table, made as a table of its own and attached after
-- (attachPartition.sql). <partition> and <parent> are names the engine makes, such as
-- meter_telemetry_history_p20260210 and meter_telemetry_history.
CREATE TABLE IF NOT EXISTS <partition> (LIKE <parent> INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
