package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import io.eie.testing.EngineExtension;
import io.eie.process.EngineProcess.Finished;
import io.eie.testing.EngineJar;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code eie} as an operator runs it: the built jar, in a process of its own. */
@ExtendWith(EngineExtension.class)
class CommandLineIT {

    @Test
    void lists_its_commands() {
        Finished help = EngineJar.run(Map.of(), "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).contains("Usage: eie", "serve", "migrate", "seed", "broker", "version", "EIE_*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "migrate", "seed", "broker", "version"})
    void explains_each_command(String command) {
        Finished help = EngineJar.run(Map.of(), command, "--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).startsWith("Usage: eie " + command);
    }

    @Test
    void says_its_version() {
        Finished version = EngineJar.run(Map.of(), "version");

        assertThat(version.exitCode()).isZero();
        assertThat(version.output()).matches("(?s)Energy Ingestion Engine \\d+\\.\\d+\\.\\d+\\S*\nJava \\d+.*");
    }

    @Test
    void refuses_an_unknown_command() {
        Finished unknown = EngineJar.run(Map.of(), "sevre");

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("Unmatched argument", "sevre");
    }

    @Test
    void lists_every_problem_with_the_configuration_before_starting() {
        Finished serve = EngineJar.run(Map.of("EIE_HTTP_PORT", "http", "EIE_BATCH_SIZE", "-1"), "serve");

        assertThat(serve.exitCode()).isEqualTo(2);
        assertThat(serve.output()).contains("The configuration is invalid", "EIE_HTTP_PORT", "EIE_BATCH_SIZE");
    }

    @Test
    void migrates_a_database_and_finds_nothing_to_do_the_second_time(TestDatabase database) {
        Map<String, String> env = TestEngine.environment(database);

        Finished first = EngineJar.run(env, "migrate");
        Finished second = EngineJar.run(env, "migrate");

        assertThat(first.exitCode()).as(first.output()).isZero();
        assertThat(first.output()).contains("migrated to version 7", "The schema is at version 7.");
        assertThat(second.exitCode()).isZero();
        assertThat(second.output()).contains("up to date at version 7", "The schema is at version 7.");
        assertThat(database.count("SELECT count(*) FROM flyway_schema_history WHERE success")).isEqualTo(7);
        assertThat(database.count("SELECT count(*) FROM pg_tables WHERE tablename = 'vehicle_live_status'")).isEqualTo(1);
    }

    @Test
    void migrate_will_not_touch_the_embedded_database() {
        Finished migrate = EngineJar.run(Map.of(), "migrate");

        assertThat(migrate.exitCode()).isEqualTo(2);
        assertThat(migrate.output()).contains("EIE_DATABASE_URL is not set");
    }

    @Test
    void seeds_a_demo_fleet_once_however_often_it_runs() {
        try (TestEngine engine = TestEngine.start()) {
            String[] seed = {"seed", "--engine", "http://127.0.0.1:" + engine.app().httpPort(), "--vehicles", "4",
                    "--hours", "2", "--faulty-ratio", "0.5"};

            Finished first = EngineJar.run(Map.of(), seed);
            List<Long> afterFirst = counts(engine);
            Finished second = EngineJar.run(Map.of(), seed);

            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(first.output()).contains("Demo fleet: 4 vehicles (DEMO-V001...)", "Added 960 readings (0 were stored already)");
            assertThat(afterFirst).containsExactly(960L, 4L, 4L, 4L, 0L);
            assertThat(second.exitCode()).as(second.output()).isZero();
            assertThat(second.output()).contains("Already seeded: all 960 readings were stored already; nothing added.");
            assertThat(counts(engine)).isEqualTo(afterFirst);

            // a longer window than the first run's ends now too: nothing from the future, nothing refused
            String[] longer = seed.clone();
            longer[6] = "5";
            Finished third = EngineJar.run(Map.of(), longer);
            assertThat(third.exitCode()).as(third.output()).isZero();
            assertThat(counts(engine).get(4)).as("rejected").isZero();

            // the demo data answers the question it is there for
            var report = engine.get("/v1/analytics/performance/DEMO-V001").json();
            assertThat(report.get("meterIds").get(0).asText()).isEqualTo("DEMO-M001");
        }
    }

    private static List<Long> counts(TestEngine engine) {
        return List.of(engine.database().storedReadings(), engine.count("SELECT count(*) FROM vehicle_meter_link"),
                engine.count("SELECT count(*) FROM vehicle_live_status"), engine.count("SELECT count(*) FROM meter_live_status"),
                engine.count("SELECT count(*) FROM rejected_telemetry"));
    }
}
