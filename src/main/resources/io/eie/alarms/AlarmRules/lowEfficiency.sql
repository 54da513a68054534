-- low_efficiency, per linked vehicle: raise below :threshold, clear only above :threshold plus
-- :hysteresis (between the two an alarm holds, so that it does not flap). Judged only once AC or
-- DC reaches :minKwh and both sides reported; else it holds, with no value.
SELECT 'vehicle' AS device_kind, vehicle_id AS device_id,
       CASE WHEN judged THEN round(dc / ac, 4) END AS value,
       CASE WHEN NOT judged THEN 'hold'
            WHEN dc / ac < :threshold THEN 'raise'
            WHEN dc / ac > :threshold + :hysteresis THEN 'clear'
            ELSE 'hold' END AS verdict
FROM (SELECT *, ac > 0 AND greatest(ac, dc) >= :minKwh AND meter_readings > 0 AND vehicle_readings > 0 AS judged
      FROM linked_energy(:from, :to)) measured
