-- Attaching takes a lock that lets inserts and queries on the parent go on, where CREATE TABLE
-- ... PARTITION OF would stop them for as long as it waits. <from> and <to> are the day's bounds
-- as quoted timestamps, such as '2026-02-10T00:00:00Z'.
ALTER TABLE <parent> ATTACH PARTITION <partition> FOR VALUES FROM (<from>) TO (<to>)
