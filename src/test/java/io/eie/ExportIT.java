package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * Readings out as CSV: what is exported, read back by another CSV reader (PostgreSQL's own COPY),
 * equals what is stored, packed days and late readings included; a bad request gets its error
 * before any byte; a client that goes away ends the query and the connection comes back.
 */
class ExportIT {

    /** Packing runs when a test says so. */
    @RegisterExtension
    static final EngineExtension engines =
            EngineExtension.withSettings(Map.of("EIE_COMPACT_EVERY", "365d", "EIE_COMPACT_SHARE", "1"));

    /** A closed day (packed by the test), and the readings from 18:00 the day before to 06:00 the day after. */
    private static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(4, ChronoUnit.DAYS);
    private static final Instant FIRST = DAY.minus(6, ChronoUnit.HOURS).plusNanos(654_321_000);
    private static final int READINGS = 36 * 60 / 10;

    @Test
    void exports_every_reading_as_stored_packed_or_not_ordered_by_device_and_time(TestEngine engine) throws Exception {
        List<String> readings = new ArrayList<>();
        for (int i = 0; i < READINGS; i++) {
            Instant ts = FIRST.plus(10L * i, ChronoUnit.MINUTES);
            readings.add(meter("EM2", ts, "0.00000" + (i % 97) + "1"));
            readings.add(meter("EM1", ts, "123.4567891" + (i % 10)));
            readings.add("{\"vehicleId\":\"EV1\",\"soc\":" + (20 + i % 800 / 10.0) + ",\"kwhDeliveredDc\":0." + (i % 89)
                    + ",\"batteryTemp\":" + (25 + i % 13 / 7.0) + ",\"timestamp\":\"" + ts + "\"}");
        }
        for (int i = 0; i < readings.size(); i += 300) {
            List<String> batch = readings.subList(i, Math.min(i + 300, readings.size()));
            assertThat(engine.post("/v1/ingest", "[" + String.join(",", batch) + "]").json().get("accepted").asInt())
                    .isEqualTo(batch.size());
        }
        engine.app().compactor().packClosedDays(Instant.now());
        // a late reading of the packed day, in history beside it
        engine.post("/v1/ingest", meter("EM1", DAY.plus(7, ChronoUnit.HOURS).plusNanos(1_000), "0.5"));
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed")).isPositive();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isPositive();
        Instant from = FIRST.plus(1, ChronoUnit.HOURS);
        Instant to = DAY.plus(1, ChronoUnit.DAYS).plus(3, ChronoUnit.HOURS);

        TestEngine.Response meters = engine.get("/v1/export/readings?kind=meter&from=" + from + "&to=" + to);
        TestEngine.Response vehicles = engine.get("/v1/export/readings?kind=vehicle&format=csv&from=" + from + "&to=" + to);

        assertThat(meters.status()).isEqualTo(200);
        assertThat(meters.header("Content-Type")).startsWith("text/csv");
        String body = meters.raw().body();
        assertThat(body).startsWith("meter_id,ts,kwh_consumed_ac,voltage,received_at\r\n").endsWith("\r\n");
        assertThat(body.replace("\r\n", "")).doesNotContain("\n", "\r");
        List<String> rows = Arrays.asList(body.split("\r\n")).subList(1, body.split("\r\n").length);
        assertThat(rows).isSortedAccordingTo((a, b) -> {
            String[] x = a.split(",");
            String[] y = b.split(",");
            return x[0].equals(y[0]) ? x[1].compareTo(y[1]) : x[0].compareTo(y[0]);
        });
        assertThat(rows.get(0)).matches("EM1,\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z,123\\.4567891\\d,230,\\d{4}-.*Z");
        String window = "'" + from + "', '" + to + "'";
        assertThat(readBack(engine, "meter_id text, ts timestamptz, kwh numeric, voltage float8, received_at timestamptz", body,
                "SELECT device.id, reading.ts, reading.kwh_consumed_ac, reading.voltage, reading.received_at "
                        + "FROM (VALUES ('EM1'), ('EM2')) device(id), meter_readings(device.id, " + window + ") reading"))
                .as("rows in one and not the other").isEqualTo("0 0");
        assertThat(readBack(engine, "vehicle_id text, ts timestamptz, soc float8, kwh numeric, battery_temp float8, "
                        + "received_at timestamptz", vehicles.raw().body(),
                "SELECT 'EV1', reading.ts, reading.soc, reading.kwh_delivered_dc, reading.battery_temp, reading.received_at "
                        + "FROM vehicle_readings('EV1', " + window + ") reading"))
                .isEqualTo("0 0");
        assertThat(rows).hasSize((int) engine.count("SELECT count(*) FROM (VALUES ('EM1'), ('EM2')) device(id), "
                + "meter_readings(device.id, " + window + ")"));

        // the hourly rollups, as stored, read back the same way
        TestEngine.Response hourly = engine.get("/v1/export/hourly?kind=vehicle&from=" + from + "&to=" + to);
        assertThat(hourly.raw().body()).startsWith("vehicle_id,hour,readings,kwh,resets,avg_battery_temp,max_battery_temp,"
                + "last_soc,last_ts,minutes_reported\r\n");
        assertThat(readBack(engine, "vehicle_id text, hour timestamptz, readings int, kwh numeric, resets int, "
                        + "avg_battery_temp float8, max_battery_temp float8, last_soc float8, last_ts timestamptz, minutes int",
                hourly.raw().body(), "SELECT vehicle_id, hour, readings, kwh, resets, battery_temp_sum / readings, "
                        + "battery_temp_max, last_soc, last_ts, bit_count(minutes::bit(64)) FROM vehicle_hourly "
                        + "WHERE hour >= '" + from + "' AND hour < '" + to + "'")).isEqualTo("0 0");
        assertThat(engine.get("/v1/export/hourly?kind=meter&device=EM1&from=" + from + "&to=" + to).raw().body()
                .split("\r\n")).hasSize(1 + (int) engine.count("SELECT count(*) FROM meter_hourly WHERE meter_id = 'EM1' "
                + "AND hour >= '" + from + "' AND hour < '" + to + "'"));

        String one = engine.get("/v1/export/readings?kind=meter&device=EM2&from=" + from + "&to=" + to).raw().body();
        assertThat(one.split("\r\n")).hasSize(1 + (int) engine.count("SELECT count(*) FROM meter_readings('EM2', " + window + ")"))
                .allMatch(line -> line.startsWith("EM2,") || line.startsWith("meter_id,"));
    }

    @Test
    void refuses_a_bad_request_with_its_error_before_any_byte(TestEngine engine) {
        String window = "&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z";
        Map<String, String> bad = Map.of(
                "/v1/export/readings?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", "kind",
                "/v1/export/readings?kind=charger" + window, "kind",
                "/v1/export/readings?kind=meter&format=xlsx" + window, "format",
                "/v1/export/readings?kind=meter&from=yesterday&to=2026-12-02T00:00:00Z", "from",
                "/v1/export/readings?kind=meter&from=2026-12-01T00:00:00Z", "to",
                "/v1/export/readings?kind=meter&from=2026-10-01T00:00:00Z&to=2026-12-02T00:00:00Z", "to",
                "/v1/export/readings?kind=meter&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to",
                "/v1/export/readings?kind=meter&device=a%20b" + window, "device",
                "/v1/export/hourly?kind=vehicle&from=2026-12-01T00:00:00Z&to=2027-02-01T00:00:00Z", "to");
        bad.forEach((path, field) -> {
            TestEngine.Response response = engine.get(path);
            assertThat(response.status()).as(path).isEqualTo(400);
            assertThat(response.header("Content-Type")).as(path).startsWith("application/json");
            assertThat(response.json().get("details").get(0).get("field").asText()).as(path).isEqualTo(field);
        });
    }

    @Test
    void a_client_that_goes_away_ends_the_query_and_the_connection_comes_back(TestEngine engine) throws Exception {
        // a day of one meter, four readings a second: 345,600 rows, tens of megabytes of CSV
        engine.post("/v1/ingest", meter("EM-big", DAY.plus(12, ChronoUnit.HOURS).plusMillis(125), "1"));
        engine.execute("INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at) "
                + "SELECT 'EM-big', ts, 0.001, 230, ts FROM generate_series(timestamptz '" + DAY + "', timestamptz '"
                + DAY.plus(1, ChronoUnit.DAYS).minusMillis(250) + "', interval '250 milliseconds') ts");
        double activeBefore = engine.metric("hikaricp_connections_active{pool=\"eie-db\"}");

        try (Socket socket = new Socket("127.0.0.1", engine.app().httpPort())) {
            OutputStream request = socket.getOutputStream();
            request.write(("GET /v1/export/readings?kind=meter&device=EM-big&from=" + DAY + "&to=" + DAY.plus(1, ChronoUnit.DAYS)
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            InputStream response = socket.getInputStream();
            byte[] buffer = new byte[16_384];
            long read = 0;
            while (read < 200_000) {
                int n = response.read(buffer);
                assertThat(n).as("the export ended before 200 KB").isPositive();
                read += n;
            }
            await("the export to be under way").atMost(Duration.ofSeconds(10)).until(() -> copies(engine) == 1);
        }

        await("the query to end").atMost(Duration.ofSeconds(30)).until(() -> copies(engine) == 0);
        await("the connection back in the pool").atMost(Duration.ofSeconds(10)).until(() ->
                engine.metric("hikaricp_connections_active{pool=\"eie-db\"}") <= activeBefore);
    }

    /** The engine's COPY queries running now. */
    private static long copies(TestEngine engine) {
        return engine.count("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%COPY (%' "
                + "AND application_name = 'energy-ingestion-engine'");
    }

    /**
     * Reads {@code csv} with PostgreSQL's own CSV reader into a table of {@code columns}, and
     * compares it with what {@code stored} selects: how many rows are only in the export, and only
     * in storage, as "n m".
     */
    private static String readBack(TestEngine engine, String columns, String csv, String stored) throws Exception {
        try (Connection connection = engine.database().connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMP TABLE exported (" + columns + ")");
            long copied = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY exported FROM STDIN WITH (FORMAT csv, HEADER true)",
                    new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)));
            assertThat(copied).isPositive();
            try (var rows = statement.executeQuery("SELECT (SELECT count(*) FROM (SELECT * FROM exported EXCEPT ALL "
                    + stored + ") x) || ' ' || (SELECT count(*) FROM (" + stored + " EXCEPT ALL SELECT * FROM exported) y)")) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    private static String meter(String id, Instant ts, String kwh) {
        return "{\"meterId\":\"" + id + "\",\"kwhConsumedAc\":" + kwh + ",\"voltage\":230,\"timestamp\":\"" + ts + "\"}";
    }
}
