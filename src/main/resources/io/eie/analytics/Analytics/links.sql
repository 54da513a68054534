-- The vehicle's links that overlap [:from, :to), each cut to the part inside it, oldest first,
-- with each meter's energy mode.
SELECT meter_id, greatest(valid_from, :from) AS span_from, least(coalesce(valid_to, 'infinity'), :to) AS span_to,
       coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'meter' AND device_id = meter_id),
                :meterDefault) AS meter_mode
FROM vehicle_meter_link
WHERE vehicle_id = :vehicleId AND valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
ORDER BY valid_from
