SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(:partition))
