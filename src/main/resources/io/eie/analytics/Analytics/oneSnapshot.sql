-- A report reads the database as of one moment: DC and AC from the same snapshot.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY
