-- Held until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext(:name))
