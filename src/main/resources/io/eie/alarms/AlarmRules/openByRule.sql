-- How many alarms are open (not cleared), by rule.
SELECT rule, count(*) AS open FROM alarm WHERE cleared_at IS NULL GROUP BY rule
