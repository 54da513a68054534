-- The vehicle's live row and its current meter's live row, its energy mode, and whether it has
-- ever been linked; one row, whether or not any of them exist.
SELECT vehicle.soc, vehicle.battery_temp, vehicle.kwh_delivered_dc, vehicle.ts AS vehicle_ts,
       link.meter_id, meter.voltage, meter.kwh_consumed_ac, meter.ts AS meter_ts,
       EXISTS (SELECT 1 FROM vehicle_meter_link any_link WHERE any_link.vehicle_id = wanted.vehicle_id) AS linked,
       coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'vehicle' AND device_id = wanted.vehicle_id),
                :vehicleDefault) AS vehicle_mode
FROM (SELECT CAST(:vehicleId AS text) AS vehicle_id) wanted
LEFT JOIN vehicle_live_status vehicle ON vehicle.vehicle_id = wanted.vehicle_id
LEFT JOIN vehicle_meter_link link ON link.vehicle_id = wanted.vehicle_id AND link.valid_to IS NULL
LEFT JOIN meter_live_status meter ON meter.meter_id = link.meter_id
