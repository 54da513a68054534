-- The partitions of the table :parent in the current schema.
SELECT child.relname
FROM pg_inherits
JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
JOIN pg_class child ON child.oid = pg_inherits.inhrelid
WHERE parent.relname = :parent AND parent.relnamespace = current_schema()::regnamespace
