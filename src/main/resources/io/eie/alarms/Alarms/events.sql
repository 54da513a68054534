-- What happened to one alarm, oldest first.
SELECT id, type, at, value, actor FROM alarm_event WHERE alarm_id = :id ORDER BY id
