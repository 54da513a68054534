-- Whether this transaction took the lock of alarm evaluation (held until it ends): one engine
-- instance evaluates at a time, and the others skip their turn.
SELECT pg_try_advisory_xact_lock(:key) AS locked
