-- The vehicles' hourly rollups, as meterHourly.sql: the hour, its readings, the energy delivered,
-- register resets, the mean and highest battery temperature, the last state of charge and when
-- it was read, and the minutes with a reading.
COPY (
    SELECT vehicle_id, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), readings, kwh, resets,
           battery_temp_sum / readings, battery_temp_max, last_soc,
           to_char(last_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), bit_count(CAST(minutes AS bit(64)))
    FROM vehicle_hourly
    WHERE hour >= '<from>' AND hour < '<to>' AND ('<id>' = '' OR vehicle_id = '<id>')
    ORDER BY vehicle_id, hour
) TO STDOUT WITH (FORMAT csv)
