UPDATE engine_setting SET value = :value WHERE name = :name
