-- Shares the packing lock of each closed day (epoch day) this batch holds readings of: waits while
-- one of them is being packed, and keeps it from being packed until this transaction ends. The
-- insert after this statement then sees the day's packed rows as they are (a reading already
-- packed is a duplicate), and no step of packing moves readings under it. The days come sorted;
-- ../Compactor/lockDay.sql takes the same lock alone.
SELECT pg_advisory_xact_lock_shared(:lockSpace, day) FROM unnest(CAST(:days AS integer[])) AS day ORDER BY day
