-- Bytes on disk of a table with its TOAST and indexes; 0 for one that does not exist.
SELECT coalesce(pg_total_relation_size(to_regclass(:name)), 0)
