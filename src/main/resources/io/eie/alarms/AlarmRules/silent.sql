-- silent, per device: raise once the engine has heard nothing from it for :silentSeconds, if it
-- was heard within the last day (a device gone longer is not news); clear when it is heard again.
-- The value is the seconds since it was last heard. Reads the live rows the writer keeps.
SELECT 'silent' AS rule, device_kind, device_id, value,
       CASE WHEN value <= :silentSeconds THEN 'clear'
            WHEN value <= 86400 THEN 'raise'
            ELSE 'hold' END AS verdict
FROM (SELECT 'meter' AS device_kind, meter_id AS device_id,
             CAST(greatest(floor(EXTRACT(EPOCH FROM CAST(:now AS timestamptz) - received_at)), 0) AS numeric) AS value
      FROM meter_live_status
      UNION ALL
      SELECT 'vehicle', vehicle_id, CAST(greatest(floor(EXTRACT(EPOCH FROM CAST(:now AS timestamptz) - received_at)), 0) AS numeric)
      FROM vehicle_live_status) heard
