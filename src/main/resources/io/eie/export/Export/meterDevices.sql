-- The meters with readings in [:from, :to), in id order: those with an hourly rollup there
-- (every reading has one, packed or not).
SELECT DISTINCT meter_id FROM meter_hourly
WHERE hour >= date_trunc('hour', CAST(:from AS timestamptz)) AND hour < :to
ORDER BY meter_id
