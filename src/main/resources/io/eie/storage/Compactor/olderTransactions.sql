-- How many transactions in this database, other than this one, began before :since: a snapshot
-- taken before the last step of packing a day may still look for that day's readings in history,
-- so the day's history partition is emptied only when there is none.
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < :since
