SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1
