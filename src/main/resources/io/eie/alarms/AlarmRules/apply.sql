-- Applies verdicts (<verdicts>: rule, device_kind, device_id, value, verdict, at most one row per
-- rule and device) to the alarms at :now. 'raise' opens an alarm where none is open, or
-- updates the open one's latest value; 'hold' updates the open one's latest value (when there is
-- a value); 'clear' clears the open one. The partial unique index alarm_open keeps one open alarm
-- per rule and device, whichever engine raises it. Every raise and clear is also an event, to be
-- delivered to each of :targets (../Notifier). Returns the events, by rule and type.
WITH verdicts AS (
    <verdicts>
), raised AS (
    INSERT INTO alarm (rule, device_kind, device_id, raised_at, raised_value, latest_value, latest_at)
    SELECT rule, device_kind, device_id, :now, value, value, :now
    FROM verdicts WHERE verdict = 'raise'
    ORDER BY rule, device_kind, device_id -- ids in a stable order
    ON CONFLICT (rule, device_kind, device_id) WHERE cleared_at IS NULL
    DO UPDATE SET latest_value = excluded.latest_value, latest_at = excluded.latest_at
    RETURNING id, rule, xmax = 0 AS opened, latest_value
), held AS (
    UPDATE alarm SET latest_value = verdicts.value, latest_at = :now
    FROM verdicts
    WHERE verdicts.verdict = 'hold' AND verdicts.value IS NOT NULL
      AND alarm.rule = verdicts.rule AND alarm.device_kind = verdicts.device_kind AND alarm.device_id = verdicts.device_id
      AND alarm.cleared_at IS NULL
    RETURNING alarm.id
), cleared AS (
    UPDATE alarm SET cleared_at = :now, cleared_value = verdicts.value,
                     latest_value = coalesce(verdicts.value, alarm.latest_value), latest_at = :now
    FROM verdicts
    WHERE verdicts.verdict = 'clear'
      AND alarm.rule = verdicts.rule AND alarm.device_kind = verdicts.device_kind AND alarm.device_id = verdicts.device_id
      AND alarm.cleared_at IS NULL
    RETURNING alarm.id, alarm.rule, verdicts.value
), events AS (
    INSERT INTO alarm_event (alarm_id, type, at, value)
    SELECT id, 'raised', CAST(:now AS timestamptz), latest_value FROM raised WHERE opened
    UNION ALL
    SELECT id, 'cleared', CAST(:now AS timestamptz), value FROM cleared
    RETURNING id
), deliveries AS (
    INSERT INTO alarm_delivery (event_id, target, next_attempt_at)
    SELECT events.id, target, CAST(:now AS timestamptz) FROM events CROSS JOIN unnest(CAST(:targets AS text[])) AS target
)
SELECT rule, 'raised' AS type, count(*) AS events FROM raised WHERE opened GROUP BY rule
UNION ALL
SELECT rule, 'cleared', count(*) FROM cleared GROUP BY rule
