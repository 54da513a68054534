-- One alarm.
SELECT * FROM alarm WHERE id = :id
