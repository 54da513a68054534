-- Gives a packed day's history partition (<partition>) its disk back at once, heap and index: every
-- reading in it was deleted as it was packed. Waits for its lock at most as long as partition DDL
-- does (../Partitions/lockTimeout.sql) and is tried again at the next run when that runs out.
TRUNCATE <partition>
