-- One vehicle's readings in [<from>, <to>), packed or not, in time order, as CSV rows, as
-- meterReadings.sql.
COPY (
    SELECT '<id>', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), soc, kwh_delivered_dc, battery_temp,
           to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM vehicle_readings('<id>', '<from>', '<to>')
    ORDER BY ts
) TO STDOUT WITH (FORMAT csv)
