-- Partition DDL waits at most this long for its lock, so that it never keeps writes and queries
-- queued behind it; on timeout it fails and is tried again (by RetryingSink, or the next
-- maintenance run).
SET LOCAL lock_timeout = '2s'
