-- Holds writes to the vehicles' rollups back (reads go on) until the transaction ends: taken by a
-- change of energy mode before it rebuilds them, so that no batch adds to them in the old mode meanwhile.
LOCK TABLE vehicle_hourly IN SHARE ROW EXCLUSIVE MODE
