-- low_efficiency and impossible_efficiency, per linked vehicle, from one read of the rollups
-- over [:from, :to) (linked_energy()). Both are judged only once AC or DC reaches :minKwh and
-- both sides reported; else they hold, with no value. The value is DC ÷ AC.
--   low_efficiency: raise below :threshold, clear only above :threshold plus :hysteresis
--   (between the two the alarm holds, so that it does not flap).
--   impossible_efficiency: raise while DC exceeds AC by more than :tolerance of AC (a wrong
--   link, a faulty meter), clear once it does not.
WITH measured AS (
    SELECT vehicle_id, ac, dc, CASE WHEN ac > 0 THEN round(dc / ac, 4) END AS efficiency,
           greatest(ac, dc) >= :minKwh AND meter_readings > 0 AND vehicle_readings > 0 AS judged
    FROM linked_energy(:from, :to)
)
SELECT 'low_efficiency' AS rule, 'vehicle' AS device_kind, vehicle_id AS device_id,
       CASE WHEN judged AND ac > 0 THEN efficiency END AS value,
       CASE WHEN NOT judged OR ac = 0 THEN 'hold'
            WHEN dc / ac < :threshold THEN 'raise'
            WHEN dc / ac > :threshold + :hysteresis THEN 'clear'
            ELSE 'hold' END AS verdict
FROM measured
UNION ALL
SELECT 'impossible_efficiency', 'vehicle', vehicle_id,
       CASE WHEN judged THEN efficiency END,
       CASE WHEN NOT judged THEN 'hold'
            WHEN dc > ac * (1 + :tolerance) THEN 'raise'
            ELSE 'clear' END
FROM measured
