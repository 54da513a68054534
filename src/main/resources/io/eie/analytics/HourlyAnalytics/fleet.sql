-- Every vehicle that reported in [:from, :to) (whole hours) or has a link in it, with its linked
-- meters' AC over the hours each link covers (a link counts for the hours whose start it covers),
-- its DC, and the flags, in the order of the list: vehicles that can be judged (both sides
-- reported, and enough energy to tell) first, by efficiency, lowest first (an efficiency above 1
-- is impossible and sorts last among them); then the rest. Only those with the flag :flag, or
-- every one when it is null. Paged by keyset on that order (:afterGroup, :afterEfficiency,
-- :afterVehicle); the counts cover the whole fleet.
--
-- It reads each rollup table once, summing per device; a link that starts or ends inside the
-- window sums the hours it covers by an index range scan instead. Coverage, which pairs the two
-- sides hour by hour, is worked out for the rows of the page only.
WITH links AS (
    SELECT vehicle_id, meter_id, greatest(valid_from, :from) AS span_from,
           least(coalesce(valid_to, 'infinity'), :to) AS span_to,
           valid_from <= :from AND (valid_to IS NULL OR valid_to >= :to) AS whole
    FROM vehicle_meter_link
    WHERE valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
), vehicle_totals AS (
    SELECT vehicle_id, sum(kwh) AS dc, sum(readings) AS readings, sum(resets) AS resets,
           sum(battery_temp_sum) AS temp_sum
    FROM vehicle_hourly
    WHERE hour >= :from AND hour < :to
    GROUP BY vehicle_id
), meter_totals AS (
    SELECT meter_id, sum(kwh) AS ac, sum(readings) AS readings, sum(resets) AS resets
    FROM meter_hourly
    WHERE hour >= :from AND hour < :to
    GROUP BY meter_id
), link_totals AS (
    SELECT links.vehicle_id, links.meter_id, span.*
    FROM links
    LEFT JOIN meter_totals meter ON meter.meter_id = links.meter_id
    LEFT JOIN vehicle_totals vehicle ON vehicle.vehicle_id = links.vehicle_id
    CROSS JOIN LATERAL (
        SELECT coalesce(meter.ac, 0) AS ac, coalesce(meter.readings, 0) AS meter_readings,
               coalesce(meter.resets, 0) AS meter_resets, coalesce(vehicle.dc, 0) AS linked_dc
        WHERE links.whole
        UNION ALL
        SELECT part_meter.ac, part_meter.readings, part_meter.resets, part_vehicle.dc
        FROM (SELECT coalesce(sum(kwh), 0) AS ac, coalesce(sum(readings), 0) AS readings,
                     coalesce(sum(resets), 0) AS resets
              FROM meter_hourly
              WHERE meter_id = links.meter_id AND hour >= links.span_from AND hour < links.span_to
                AND hour >= :from AND hour < :to) part_meter,
             (SELECT coalesce(sum(kwh), 0) AS dc
              FROM vehicle_hourly
              WHERE vehicle_id = links.vehicle_id AND hour >= links.span_from AND hour < links.span_to
                AND hour >= :from AND hour < :to) part_vehicle
        WHERE NOT links.whole
    ) span
), linked AS (
    SELECT vehicle_id, array_agg(DISTINCT meter_id) AS meter_ids, sum(ac) AS ac,
           sum(meter_readings) AS meter_readings, sum(meter_resets) AS meter_resets,
           sum(linked_dc) AS linked_dc
    FROM link_totals GROUP BY vehicle_id
), fleet AS (
    SELECT vehicle_id FROM vehicle_totals UNION SELECT vehicle_id FROM linked
), totals AS (
    SELECT fleet.vehicle_id, linked.meter_ids,
           coalesce(linked.ac, 0) AS ac, coalesce(vehicle_totals.dc, 0) AS dc,
           coalesce(linked.linked_dc, 0) AS linked_dc,
           vehicle_totals.temp_sum / nullif(vehicle_totals.readings, 0) AS avg_temp,
           coalesce(vehicle_totals.readings, 0) AS vehicle_readings,
           coalesce(linked.meter_readings, 0) AS meter_readings,
           coalesce(vehicle_totals.resets, 0) AS vehicle_resets,
           coalesce(linked.meter_resets, 0) AS meter_resets,
           linked.vehicle_id IS NULL AS no_meter_link
    FROM fleet
    LEFT JOIN vehicle_totals USING (vehicle_id)
    LEFT JOIN linked USING (vehicle_id)
), judged AS (
    SELECT *,
           CASE WHEN ac > 0 THEN linked_dc / ac END AS efficiency,
           greatest(ac, linked_dc) >= :minKwh AND vehicle_readings > 0 AND meter_readings > 0 AS judgeable
    FROM totals
), flagged AS (
    SELECT *,
           judgeable AND ac > 0 AND efficiency < :threshold AS low_efficiency,
           judgeable AND linked_dc > ac * (1 + :tolerance) AS impossible_efficiency,
           NOT no_meter_link AND meter_readings = 0 AS missing_meter_data,
           NOT no_meter_link AND vehicle_readings = 0 AS missing_vehicle_data,
           CASE WHEN judgeable THEN 0 ELSE 1 END AS rank_group,
           coalesce(efficiency, 'Infinity') AS rank_efficiency
    FROM judged
), counted AS (
    SELECT *,
           count(*) OVER () AS all_vehicles,
           count(*) FILTER (WHERE low_efficiency) OVER () AS all_low_efficiency,
           count(*) FILTER (WHERE impossible_efficiency) OVER () AS all_impossible_efficiency,
           count(*) FILTER (WHERE no_meter_link) OVER () AS all_no_meter_link,
           count(*) FILTER (WHERE missing_meter_data) OVER () AS all_missing_meter_data,
           count(*) FILTER (WHERE missing_vehicle_data) OVER () AS all_missing_vehicle_data
    FROM flagged
), listed AS (
    SELECT *, true AS listed FROM counted
    WHERE CASE CAST(:flag AS text) WHEN 'low_efficiency' THEN low_efficiency
                                   WHEN 'impossible_efficiency' THEN impossible_efficiency
                                   WHEN 'no_meter_link' THEN no_meter_link
                                   WHEN 'missing_meter_data' THEN missing_meter_data
                                   WHEN 'missing_vehicle_data' THEN missing_vehicle_data
                                   ELSE true END
    UNION ALL -- one more row, for the counts when the page is empty
    (SELECT *, false FROM counted LIMIT 1)
), page AS (
    SELECT *, listed AND (rank_group, rank_efficiency, vehicle_id)
                         > (:afterGroup, CAST(:afterEfficiency AS numeric), :afterVehicle) AS on_page
    FROM listed
    ORDER BY on_page DESC, rank_group, rank_efficiency, vehicle_id
    LIMIT :limit + 1
)
SELECT page.*, coverage.both_minutes
FROM page
CROSS JOIN LATERAL (
    SELECT coalesce(sum(bit_count((vehicle.minutes & meter.minutes)::bit(64))), 0) AS both_minutes
    FROM vehicle_meter_link link
    JOIN vehicle_hourly vehicle ON vehicle.vehicle_id = link.vehicle_id
     AND vehicle.hour >= link.valid_from AND (link.valid_to IS NULL OR vehicle.hour < link.valid_to)
     AND vehicle.hour >= :from AND vehicle.hour < :to
    JOIN meter_hourly meter ON meter.meter_id = link.meter_id AND meter.hour = vehicle.hour
     AND meter.hour >= :from AND meter.hour < :to
    WHERE link.vehicle_id = page.vehicle_id AND page.on_page
      AND link.valid_from < :to AND (link.valid_to IS NULL OR link.valid_to > :from)
) coverage
ORDER BY page.on_page DESC, page.rank_group, page.rank_efficiency, page.vehicle_id
