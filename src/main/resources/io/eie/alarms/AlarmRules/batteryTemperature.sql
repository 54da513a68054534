-- battery_temperature, per vehicle whose latest reading is above :maxTemp or whose alarm is open:
-- raise when its last :readings readings (of the last day) are all above :maxTemp, clear when they
-- are all at or below it; else hold. The value is the latest reading's temperature.
SELECT 'battery_temperature' AS rule, 'vehicle' AS device_kind, candidate.vehicle_id AS device_id, recent.latest AS value,
       CASE WHEN recent.readings >= :readings AND recent.coolest > :maxTemp THEN 'raise'
            WHEN recent.readings >= :readings AND recent.hottest <= :maxTemp THEN 'clear'
            ELSE 'hold' END AS verdict
FROM (SELECT vehicle_id FROM vehicle_live_status WHERE battery_temp > :maxTemp
      UNION
      SELECT device_id FROM alarm WHERE rule = 'battery_temperature' AND device_kind = 'vehicle' AND cleared_at IS NULL
     ) candidate
CROSS JOIN LATERAL (
    SELECT count(*) AS readings, min(battery_temp) AS coolest, max(battery_temp) AS hottest,
           CAST((array_agg(battery_temp ORDER BY ts DESC))[1] AS numeric) AS latest
    FROM (SELECT ts, battery_temp FROM vehicle_telemetry_history
          WHERE vehicle_id = candidate.vehicle_id AND ts >= CAST(:now AS timestamptz) - interval '1 day'
          ORDER BY ts DESC LIMIT :readings) last
) recent
