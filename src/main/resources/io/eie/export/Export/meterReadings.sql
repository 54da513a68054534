-- One meter's readings in [<from>, <to>), packed or not, in time order, as CSV rows: times in
-- ISO-8601 UTC to the microsecond, energy exactly as stored. COPY takes no parameters: <id>,
-- <from> and <to> are literals the engine checked (a device id's characters, two instants).
COPY (
    SELECT '<id>', to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), kwh_consumed_ac, voltage,
           to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM meter_readings('<id>', '<from>', '<to>')
    ORDER BY ts
) TO STDOUT WITH (FORMAT csv)
