package io.eie.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor to measure the engine against: the least a consumer can do and keep the same
 * promise. QoS 1, each message acknowledged after the transaction that wrote it committed, the
 * same rows in the same tables (history appended, live rows upserted) by the same kind of
 * statement, but no validation, no dead letters, no outcomes, no futures, one thread.
 */
final class BareConsumer implements AutoCloseable {

    private static final String HISTORY_METER = """
            INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
            SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::numeric[], ?::float8[], ?::timestamptz[])
            ON CONFLICT DO NOTHING""";
    private static final String HISTORY_VEHICLE = """
            INSERT INTO vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
            SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::float8[], ?::numeric[], ?::float8[], ?::timestamptz[])
            ON CONFLICT DO NOTHING""";
    private static final String LIVE_METER = """
            INSERT INTO meter_live_status AS live (meter_id, ts, kwh_consumed_ac, voltage, received_at)
            SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::numeric[], ?::float8[], ?::timestamptz[])
            ON CONFLICT (meter_id) DO UPDATE SET ts = excluded.ts, kwh_consumed_ac = excluded.kwh_consumed_ac,
                voltage = excluded.voltage, received_at = excluded.received_at
            WHERE live.ts < excluded.ts""";
    private static final String LIVE_VEHICLE = """
            INSERT INTO vehicle_live_status AS live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
            SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::float8[], ?::numeric[], ?::float8[], ?::timestamptz[])
            ON CONFLICT (vehicle_id) DO UPDATE SET ts = excluded.ts, soc = excluded.soc,
                kwh_delivered_dc = excluded.kwh_delivered_dc, battery_temp = excluded.battery_temp,
                received_at = excluded.received_at
            WHERE live.ts < excluded.ts""";

    private static final int MAX_BATCH = 5_000;

    private final Mqtt5AsyncClient client;
    private final Connection database;
    private final ObjectMapper json = new ObjectMapper();
    private final LinkedBlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
    private final AtomicLong committed = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    BareConsumer(String host, int port, String topicPrefix, String clientId, Connection database) throws SQLException {
        this.database = database;
        database.setAutoCommit(false);
        this.client = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost(host).serverPort(port)
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, received::add, true);
        client.connectWith().cleanStart(true).restrictions().receiveMaximum(65_535).applyRestrictions().send().join();
        client.subscribeWith()
                .addSubscription().topicFilter(topicPrefix + "meters/+").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                .addSubscription().topicFilter(topicPrefix + "vehicles/+").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                .send().join();
        this.writer = new Thread(this::write, "bare-writer");
        writer.start();
    }

    long committed() {
        return committed.get();
    }

    private void write() {
        List<Mqtt5Publish> batch = new ArrayList<>(MAX_BATCH);
        while (running) {
            try {
                Mqtt5Publish first = received.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                received.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
                batch.forEach(Mqtt5Publish::acknowledge);
                committed.addAndGet(batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | IOException e) {
                throw new IllegalStateException("the bare consumer failed: " + e.getMessage(), e);
            }
        }
    }

    private void commit(List<Mqtt5Publish> batch) throws SQLException, IOException {
        String now = Instant.now().toString();
        Columns meters = new Columns();
        Columns vehicles = new Columns();
        Map<String, Integer> latestMeter = new HashMap<>();
        Map<String, Integer> latestVehicle = new HashMap<>();
        for (Mqtt5Publish publish : batch) {
            String topic = publish.getTopic().toString();
            String id = topic.substring(topic.lastIndexOf('/') + 1);
            JsonNode reading = json.readTree(publish.getPayloadAsBytes());
            if (topic.contains("/meters/") || topic.startsWith("meters/")) {
                meters.add(id, reading.get("timestamp").asText(), reading.get("kwhConsumedAc").decimalValue().toPlainString(),
                        reading.get("voltage").asDouble(), 0);
                latestMeter.merge(id, meters.size() - 1, (a, b) -> meters.ts(b).compareTo(meters.ts(a)) > 0 ? b : a);
            } else {
                vehicles.add(id, reading.get("timestamp").asText(), reading.get("kwhDeliveredDc").decimalValue().toPlainString(),
                        reading.get("soc").asDouble(), reading.get("batteryTemp").asDouble());
                latestVehicle.merge(id, vehicles.size() - 1, (a, b) -> vehicles.ts(b).compareTo(vehicles.ts(a)) > 0 ? b : a);
            }
        }
        try {
            if (meters.size() > 0) {
                meters.insert(database, HISTORY_METER, false, now, null);
                meters.insert(database, LIVE_METER, false, now, latestMeter.values());
            }
            if (vehicles.size() > 0) {
                vehicles.insert(database, HISTORY_VEHICLE, true, now, null);
                vehicles.insert(database, LIVE_VEHICLE, true, now, latestVehicle.values());
            }
            database.commit();
        } catch (SQLException e) {
            database.rollback();
            throw e;
        }
    }

    /** A batch's readings of one kind, column by column. */
    private static final class Columns {
        final List<String> ids = new ArrayList<>();
        final List<String> timestamps = new ArrayList<>();
        final List<String> energies = new ArrayList<>();
        final List<Double> first = new ArrayList<>();
        final List<Double> second = new ArrayList<>();

        void add(String id, String ts, String energy, double a, double b) {
            ids.add(id);
            timestamps.add(ts);
            energies.add(energy);
            first.add(a);
            second.add(b);
        }

        int size() {
            return ids.size();
        }

        String ts(int index) {
            return timestamps.get(index);
        }

        void insert(Connection database, String sql, boolean vehicle, String now, Collection<Integer> only)
                throws SQLException {
            List<Integer> rows = new ArrayList<>();
            if (only == null) {
                for (int i = 0; i < ids.size(); i++) {
                    rows.add(i);
                }
            } else {
                rows.addAll(only);
            }
            String[] id = new String[rows.size()];
            String[] ts = new String[rows.size()];
            String[] energy = new String[rows.size()];
            Double[] a = new Double[rows.size()];
            Double[] b = new Double[rows.size()];
            String[] receivedAt = new String[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                int row = rows.get(i);
                id[i] = ids.get(row);
                ts[i] = timestamps.get(row);
                energy[i] = energies.get(row);
                a[i] = first.get(row);
                b[i] = second.get(row);
                receivedAt[i] = now;
            }
            try (PreparedStatement statement = database.prepareStatement(sql)) {
                statement.setArray(1, database.createArrayOf("text", id));
                statement.setArray(2, database.createArrayOf("text", ts));
                if (vehicle) {
                    statement.setArray(3, database.createArrayOf("float8", a));
                    statement.setArray(4, database.createArrayOf("text", energy));
                    statement.setArray(5, database.createArrayOf("float8", b));
                    statement.setArray(6, database.createArrayOf("text", receivedAt));
                } else {
                    statement.setArray(3, database.createArrayOf("text", energy));
                    statement.setArray(4, database.createArrayOf("float8", a));
                    statement.setArray(5, database.createArrayOf("text", receivedAt));
                }
                statement.executeUpdate();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.disconnect();
    }
}
