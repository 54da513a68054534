-- For fleet.sql, in its transaction. PostgreSQL's estimates for that many joined aggregates are
-- far off, high enough to make it compile the query to machine code first: seconds, for a query
-- that runs in a fraction of one.
SET LOCAL jit = off
