-- The meters' hourly rollups of the hours that start in [<from>, <to>), of the meter <id> or of
-- every meter when it is empty, by meter and hour, as CSV rows: the hour in ISO-8601 UTC, its
-- readings, its energy exactly as summed, its register resets, the mean voltage, and the minutes
-- of the hour with a reading. Literals as in meterReadings.sql.
COPY (
    SELECT meter_id, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), readings, kwh, resets,
           voltage_sum / readings, bit_count(CAST(minutes AS bit(64)))
    FROM meter_hourly
    WHERE hour >= '<from>' AND hour < '<to>' AND ('<id>' = '' OR meter_id = '<id>')
    ORDER BY meter_id, hour
) TO STDOUT WITH (FORMAT csv)
