-- How many devices of each kind have reported, and how many of them since :since (by arrival).
SELECT (SELECT count(*) FILTER (WHERE received_at >= :since) FROM vehicle_live_status) AS vehicles_reporting,
       (SELECT count(*) FROM vehicle_live_status) AS vehicles_known,
       (SELECT count(*) FILTER (WHERE received_at >= :since) FROM meter_live_status) AS meters_reporting,
       (SELECT count(*) FROM meter_live_status) AS meters_known
