-- Takes the packing lock of one day (epoch day) alone, until this transaction ends: waits for the
-- writers storing readings of that day (../TelemetryRepository/waitForPacking.sql) to commit,
-- and keeps new ones waiting.
SELECT pg_advisory_xact_lock(:lockSpace, :day)
