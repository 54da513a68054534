-- impossible_efficiency, per linked vehicle: raise while DC exceeds AC by more than :tolerance of
-- AC (a wrong link, a faulty meter), clear once it does not. Judged as low_efficiency is; the
-- value is DC ÷ AC (none while AC is 0).
SELECT 'vehicle' AS device_kind, vehicle_id AS device_id,
       CASE WHEN judged AND ac > 0 THEN round(dc / ac, 4) END AS value,
       CASE WHEN NOT judged THEN 'hold'
            WHEN dc > ac * (1 + :tolerance) THEN 'raise'
            ELSE 'clear' END AS verdict
FROM (SELECT *, greatest(ac, dc) >= :minKwh AND meter_readings > 0 AND vehicle_readings > 0 AS judged
      FROM linked_energy(:from, :to)) measured
