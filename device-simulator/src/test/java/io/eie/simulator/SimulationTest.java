package io.eie.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SimulationTest {

    private static final long MINUTE = 60_000;
    private static final long START = Instant.parse("2026-02-10T00:00:00Z").toEpochMilli();
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":\"([^\"]+)\"");

    /** A publisher that remembers what it was given. */
    private record Published(String topic, String payload) {
    }

    @Test
    void backfills_a_report_per_device_and_interval_each_on_its_own_moment() throws Exception {
        List<Published> published = new ArrayList<>();
        Fleet fleet = Fleet.create(50, "V", "M", 0.05, START, 3 * MINUTE, 1);

        new Simulation(fleet, (device, topic, payload) -> published.add(new Published(topic.toString(), payload)),
                settings(START, START + 60 * MINUTE, 0, 0, 0, 0)).run(() -> false);

        assertThat(published).hasSize(100 * 60);
        Map<String, List<Long>> byTopic = new HashMap<>();
        long previous = Long.MIN_VALUE;
        for (Published message : published) {
            long ts = timestamp(message.payload());
            assertThat(ts).as("in time order").isGreaterThanOrEqualTo(previous).isBetween(START, START + 60 * MINUTE - 1);
            previous = ts;
            byTopic.computeIfAbsent(message.topic(), topic -> new ArrayList<>()).add(ts);
        }
        assertThat(byTopic).hasSize(100).containsKeys("sim/vehicles/V00001", "sim/meters/M00050");
        Set<Long> moments = new HashSet<>();
        for (List<Long> times : byTopic.values()) {
            assertThat(times).hasSize(60);
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).isEqualTo(MINUTE);
            }
            moments.add(times.get(0) % MINUTE);
        }
        assertThat(moments).as("pairs spread over the interval").hasSizeGreaterThan(45);
    }

    @Test
    void breaks_the_contract_on_purpose_in_the_shares_asked_for() throws Exception {
        List<Published> published = new ArrayList<>();
        Fleet fleet = Fleet.create(100, "V", "M", 0.05, START, 3 * MINUTE, 1);
        Simulation simulation = new Simulation(fleet,
                (device, topic, payload) -> published.add(new Published(topic.toString(), payload)),
                settings(START, START + 100 * MINUTE, 0.05, 0.02, 0.03, 0.01));

        simulation.run(() -> false);

        long reports = simulation.reports.sum();
        assertThat(reports).isEqualTo(200 * 100);
        assertThat(simulation.invalid.sum()).isBetween(800L, 1200L);
        assertThat(simulation.duplicates.sum()).isBetween(300L, 500L);
        assertThat(simulation.outOfOrder.sum()).isBetween(450L, 750L);
        assertThat(simulation.future.sum()).isBetween(120L, 280L);
        assertThat(published).hasSize((int) (reports + simulation.duplicates.sum()));
        long late = 0;
        Map<String, Long> last = new HashMap<>();
        for (Published message : published) {
            Matcher matcher = TIMESTAMP.matcher(message.payload());
            if (matcher.find() && matcher.group(1).endsWith("Z")) {
                long ts = Instant.parse(matcher.group(1)).toEpochMilli();
                Long before = last.put(message.topic(), ts);
                late += before != null && ts < before ? 1 : 0;
            }
        }
        assertThat(late).as("reports sent after a later one of the same device").isPositive();
    }

    @Test
    void never_reports_a_moment_before_it_comes_in_real_time() throws Exception {
        List<long[]> sent = new ArrayList<>();
        Fleet fleet = Fleet.create(5, "V", "M", 0.05, System.currentTimeMillis(), 3_000, 1);
        long start = System.currentTimeMillis();

        new Simulation(fleet, (device, topic, payload) -> sent.add(new long[] {System.currentTimeMillis(), timestamp(payload)}),
                new Simulation.Settings(1_000, 1, start, start + 3_000, false, 0, 0, 0, 0, "", 1)).run(() -> false);

        assertThat(sent).hasSize(30);
        assertThat(sent).allSatisfy(message -> assertThat(message[0]).as("sent at").isGreaterThanOrEqualTo(message[1]));
    }

    private static Simulation.Settings settings(long start, long end, double invalid, double duplicate, double outOfOrder,
                                                double future) {
        return new Simulation.Settings(MINUTE, 1, start, end, true, invalid, duplicate, outOfOrder, future, "sim/", 1);
    }

    private static long timestamp(String payload) {
        Matcher matcher = TIMESTAMP.matcher(payload);
        assertThat(matcher.find()).isTrue();
        return Instant.parse(matcher.group(1)).toEpochMilli();
    }

}
