-- For fleet.sql, in its transaction. A plan made for the window at hand prunes the partitions
-- outside it before it runs; the generic plan a prepared statement falls back to after five runs
-- does that while running, and takes half as long again.
SET LOCAL plan_cache_mode = force_custom_plan
