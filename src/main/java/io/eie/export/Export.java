package io.eie.export;

import io.eie.telemetry.DeviceId;
import io.eie.telemetry.DeviceKind;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Data out: every reading of a window as stored (packed or not, ordered by device and time), and
 * the hourly rollups, streamed as CSV (RFC 4180: a header row, CRLF line ends, UTF-8).
 * PostgreSQL writes the rows (COPY; readings a device at a time), so memory does not grow with the
 * window; a client that goes away makes the next write fail, which cancels the COPY and gives the
 * connection back.
 */
public final class Export {

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String METER_DEVICES = SQL.locate(Export.class, "meterDevices");
    private static final String VEHICLE_DEVICES = SQL.locate(Export.class, "vehicleDevices");
    private static final String METER_READINGS = SQL.locate(Export.class, "meterReadings");
    private static final String VEHICLE_READINGS = SQL.locate(Export.class, "vehicleReadings");
    private static final String METER_HOURLY = SQL.locate(Export.class, "meterHourly");
    private static final String VEHICLE_HOURLY = SQL.locate(Export.class, "vehicleHourly");
    private static final String METER_HOURLY_HEADER = "meter_id,hour,readings,kwh,resets,avg_voltage,minutes_reported\n";
    private static final String VEHICLE_HOURLY_HEADER =
            "vehicle_id,hour,readings,kwh,resets,avg_battery_temp,max_battery_temp,last_soc,last_ts,minutes_reported\n";
    private static final String METER_HEADER = "meter_id,ts,kwh_consumed_ac,voltage,received_at\n";
    private static final String VEHICLE_HEADER = "vehicle_id,ts,soc,kwh_delivered_dc,battery_temp,received_at\n";

    private final Jdbi jdbi;

    public Export(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Writes the readings of {@code kind} in [from, to) to {@code out} as CSV: of one device when
     * {@code deviceId} is set, else of every device with readings there.
     *
     * @return how many devices were written
     * @throws IOException when {@code out} fails (a client that went away): the query is cancelled
     */
    public int readingsCsv(DeviceKind kind, Instant from, Instant to, String deviceId, OutputStream out)
            throws IOException {
        checkLiteral(deviceId);
        boolean meters = kind == DeviceKind.METER;
        OutputStream csv = new CrlfLines(out);
        try (Handle handle = jdbi.open()) {
            List<String> devices = deviceId != null ? List.of(deviceId)
                    : handle.createQuery(meters ? METER_DEVICES : VEHICLE_DEVICES).bind("from", from).bind("to", to)
                            .mapTo(String.class).list();
            csv.write((meters ? METER_HEADER : VEHICLE_HEADER).getBytes(StandardCharsets.US_ASCII));
            CopyManager copy = handle.getConnection().unwrap(PGConnection.class).getCopyAPI();
            String template = (meters ? METER_READINGS : VEHICLE_READINGS)
                    .replace("<from>", from.toString()).replace("<to>", to.toString());
            for (String device : devices) {
                checkLiteral(device);
                copy.copyOut(template.replace("<id>", device), csv);
            }
            csv.flush();
            return devices.size();
        } catch (SQLException e) {
            throw new IllegalStateException("the export failed in the database: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the hourly rollups of {@code kind} for the hours that start in [from, to) to {@code out}
     * as CSV, by device and hour: of one device when {@code deviceId} is set, else of every device.
     *
     * @throws IOException when {@code out} fails (a client that went away): the query is cancelled
     */
    public void hourlyCsv(DeviceKind kind, Instant from, Instant to, String deviceId, OutputStream out) throws IOException {
        checkLiteral(deviceId);
        boolean meters = kind == DeviceKind.METER;
        OutputStream csv = new CrlfLines(out);
        try (Handle handle = jdbi.open()) {
            CopyManager copy = handle.getConnection().unwrap(PGConnection.class).getCopyAPI();
            csv.write((meters ? METER_HOURLY_HEADER : VEHICLE_HOURLY_HEADER).getBytes(StandardCharsets.US_ASCII));
            copy.copyOut((meters ? METER_HOURLY : VEHICLE_HOURLY).replace("<from>", from.toString())
                    .replace("<to>", to.toString()).replace("<id>", deviceId == null ? "" : deviceId), csv);
            csv.flush();
        } catch (SQLException e) {
            throw new IllegalStateException("the export failed in the database: " + e.getMessage(), e);
        }
    }

    /** COPY takes no parameters: an id goes into its SQL as a literal, so it must keep the id rule (letters, digits, . _ : -). */
    private static void checkLiteral(String deviceId) {
        if (deviceId != null && !DeviceId.isValid(deviceId)) {
            throw new IllegalArgumentException("not a device id: " + deviceId);
        }
    }

    /** Ends each line with CR LF, as RFC 4180 has it (COPY ends them with LF; no value holds one). */
    private static final class CrlfLines extends FilterOutputStream {

        CrlfLines(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\n') {
                out.write('\r');
            }
            out.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int start = offset;
            for (int i = offset; i < offset + length; i++) {
                if (bytes[i] == '\n') {
                    out.write(bytes, start, i - start);
                    out.write('\r');
                    start = i;
                }
            }
            out.write(bytes, start, offset + length - start);
        }
    }
}
