-- A day's partition of an hourly rollup table, as createHistoryPartition.sql. A rollup row is
-- updated with every batch that holds a reading of its device and hour: the room left on each page
-- lets PostgreSQL write the new version beside the old one without touching the index (a HOT update).
CREATE TABLE IF NOT EXISTS <partition> (LIKE <parent> INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
WITH (fillfactor = 70)
