-- One vehicle's buckets of :step over [:from, :to): its DC, temperatures and last state of
-- charge; the DC of the hours a link covers; and the AC of the linked meters over those hours.
-- Every bucket of the window is listed, empty ones too.
WITH buckets AS (
    SELECT bucket FROM generate_series(CAST(:from AS timestamptz), CAST(:to AS timestamptz) - CAST(:step AS interval),
                                       CAST(:step AS interval)) AS bucket
), links AS (
    SELECT meter_id, valid_from, valid_to
    FROM vehicle_meter_link
    WHERE vehicle_id = :vehicleId AND valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
), vehicle_hours AS (
    SELECT date_bin(CAST(:step AS interval), hour, :from) AS bucket, kwh, readings, resets, battery_temp_sum,
           battery_temp_max, last_ts, last_soc,
           EXISTS (SELECT 1 FROM links
                   WHERE hour >= links.valid_from AND (links.valid_to IS NULL OR hour < links.valid_to)) AS linked
    FROM vehicle_hourly
    WHERE vehicle_id = :vehicleId AND hour >= :from AND hour < :to
), vehicle AS (
    SELECT bucket, sum(kwh) AS dc, sum(kwh) FILTER (WHERE linked) AS linked_dc, sum(readings) AS readings,
           sum(resets) AS resets, sum(battery_temp_sum) / sum(readings) AS avg_temp,
           max(battery_temp_max) AS max_temp, (array_agg(last_soc ORDER BY last_ts DESC))[1] AS last_soc
    FROM vehicle_hours GROUP BY bucket
), meter AS (
    SELECT date_bin(CAST(:step AS interval), meter.hour, :from) AS bucket, sum(meter.kwh) AS ac,
           sum(meter.readings) AS readings, sum(meter.resets) AS resets
    FROM links
    JOIN meter_hourly meter ON meter.meter_id = links.meter_id
     AND meter.hour >= links.valid_from AND (links.valid_to IS NULL OR meter.hour < links.valid_to)
    WHERE meter.hour >= :from AND meter.hour < :to
    GROUP BY 1
)
SELECT buckets.bucket, coalesce(meter.ac, 0) AS ac, coalesce(vehicle.dc, 0) AS dc,
       coalesce(vehicle.linked_dc, 0) AS linked_dc, vehicle.avg_temp, vehicle.max_temp, vehicle.last_soc,
       coalesce(vehicle.readings, 0) AS vehicle_readings, coalesce(meter.readings, 0) AS meter_readings,
       coalesce(vehicle.resets, 0) AS vehicle_resets, coalesce(meter.resets, 0) AS meter_resets
FROM buckets
LEFT JOIN vehicle USING (bucket)
LEFT JOIN meter USING (bucket)
ORDER BY buckets.bucket
