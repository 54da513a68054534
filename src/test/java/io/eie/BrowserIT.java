package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.process.EngineProcess;
import io.eie.testing.EngineJar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine's pages in a real browser: headless Chromium loads them from the built jar (as
 * operators run it), runs their scripts against the live API, and the test reads the page they
 * built and keeps a screenshot in {@code target/}. The dashboard runs on demo data from
 * {@code eie seed}. Needs Chromium (Debian's {@code chromium} package); reported as skipped
 * without it.
 */
@EnabledIf(value = "chromiumIsInstalled", disabledReason = "Chromium is not installed on this machine")
class BrowserIT {

    /** The alarm rules run every few seconds, so that the seeded faults are alarms by the time the page loads. */
    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(Map.of("EIE_ALARM_EVALUATE_EVERY", "5s"));

    private static final Pattern ROW = Pattern.compile("<tr data-vehicle-id=\"([^\"]+)\"[^>]*>(.*?)</tr>");
    private static final Pattern ALARM = Pattern.compile("<tr data-alarm-id=\"(\\d+)\" class=\"alarm ([a-z_]+)\">(.*?)</tr>");
    private static final Optional<Path> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome").stream().map(Path::of).filter(Files::isExecutable).findFirst();

    private final EngineProcess engine;

    BrowserIT(EngineProcess engine) {
        this.engine = engine;
    }

    static boolean chromiumIsInstalled() {
        return CHROMIUM.isPresent();
    }

    @BeforeAll
    static void seedTheDemoFleet(EngineProcess engine) {
        EngineProcess.Finished seed = EngineJar.run(Map.of(), "seed", "--engine", "http://127.0.0.1:" + engine.httpPort(),
                "--vehicles", "12", "--faulty-ratio", "0.25");
        assertThat(seed.exitCode()).as(seed.output()).isZero();
        await("the seeded faults raised as alarms").atMost(Duration.ofSeconds(30)).until(() ->
                engine.get("/v1/alarms?rule=low_efficiency").contains("\"deviceId\""));
    }

    @Test
    void the_dashboard_draws_the_fleet_table_and_the_vehicle_charts() throws Exception {
        String url = "http://127.0.0.1:" + engine.httpPort() + "/";

        String dom = run("--dump-dom", url);
        Path screenshot = screenshot("dashboard.png", url, "1440,1000");

        assertThat(dom).contains("data-state=\"ready\"");
        List<String> rows = new ArrayList<>();
        Matcher row = ROW.matcher(dom);
        while (row.find()) {
            rows.add(row.group(1));
            if (rows.size() == 1) {
                assertThat(row.group(2)).as("the worst vehicle's row").contains("eff-low", "low efficiency");
            }
        }
        assertThat(rows).hasSize(12).allMatch(id -> id.startsWith("DEMO-V"));
        assertThat(dom).contains("<tr data-vehicle-id=\"" + rows.get(0) + "\" class=\"selected\"");
        for (String chart : List.of("energy-chart", "state-chart")) {
            assertThat(dom).as(chart).containsPattern("id=\"" + chart + "\" class=\"chart\" data-points=\"24\"><div class=\"uplot");
        }
        assertThat(dom).contains("<canvas", "AC kWh", "DC kWh", "SoC %");
        Matcher csv = Pattern.compile("<a id=\"vehicle-csv\" href=\"([^\"]+)\"").matcher(dom);
        assertThat(csv.find()).as("the link to the vehicle's CSV").isTrue();
        String csvPath = csv.group(1).replace("&amp;", "&");
        assertThat(csvPath).startsWith("/v1/export/readings?kind=vehicle&device=" + rows.get(0) + "&from=");
        String readings = engine.get(csvPath);
        assertThat(readings).startsWith("vehicle_id,ts,soc,kwh_delivered_dc,battery_temp,received_at\r\n" + rows.get(0) + ",");
        assertThat(readings.split("\r\n")).as("a day of the vehicle's readings").hasSizeGreaterThan(100);
        assertThat(dom).containsPattern("id=\"vehicles-reporting\">12<");
        assertThat(dom).as("coverage, a share of the window's minutes so far, with readings up to now")
                .doesNotContainPattern(">(100\\.[1-9]|10[1-9]\\.[0-9]|1[1-9][0-9]\\.[0-9]) %<").containsPattern(">(9[0-9]|100)\\.[0-9] %</td><td>");
        assertThat(Files.size(screenshot)).as("the screenshot").isGreaterThan(50_000);
    }

    @Test
    void the_dashboard_lists_the_active_alarms_newest_first_each_a_click_from_its_vehicle() throws Exception {
        String url = "http://127.0.0.1:" + engine.httpPort() + "/";

        String dom = run("--dump-dom", url);

        List<Long> ids = new ArrayList<>();
        String vehicle = null;
        Matcher alarm = ALARM.matcher(dom);
        while (alarm.find()) {
            ids.add(Long.parseLong(alarm.group(1)));
            if (alarm.group(2).equals("low_efficiency") && vehicle == null) {
                Matcher link = Pattern.compile("<a href=\"#vehicle=([^\"]+)\"").matcher(alarm.group(3));
                assertThat(link.find()).as("the alarm's link to its vehicle").isTrue();
                vehicle = link.group(1);
                assertThat(alarm.group(3)).contains("low efficiency").containsPattern(">[0-9]+\\.[0-9] %<");
            }
        }
        assertThat(ids).as("the active alarms, newest first").isNotEmpty().isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(vehicle).startsWith("DEMO-V");
        assertThat(dom).containsPattern("id=\"alarms-active\">" + ids.size() + "<");

        String opened = run("--dump-dom", url + "#vehicle=" + vehicle);

        assertThat(opened).as("the alarm's link opens its vehicle's charts")
                .contains("<tr data-vehicle-id=\"" + vehicle + "\" class=\"selected\"")
                .containsPattern("id=\"energy-chart\" class=\"chart\" data-points=\"24\"><div class=\"uplot");
    }

    @Test
    void swagger_ui_renders_the_api() throws Exception {
        String url = "http://127.0.0.1:" + engine.httpPort() + "/docs";

        String dom = run("--dump-dom", url);
        Path screenshot = screenshot("docs-page.png", url, "1280,1600");

        // what Swagger UI drew from /openapi.json: the title, and a block per operation
        assertThat(dom).contains("Energy Ingestion Engine", "opblock-summary-path");
        for (String path : List.of("/v1/ingest", "/v1/analytics/performance/{vehicleId}", "/v1/analytics/fleet/efficiency",
                "/v1/rejections", "/metrics")) {
            assertThat(dom).as("the operation block of " + path).contains("data-path=\"" + path + "\"");
        }
        assertThat(Files.size(screenshot)).as("the screenshot").isGreaterThan(10_000);
    }

    private static Path screenshot(String name, String url, String size) throws Exception {
        Path screenshot = Path.of("target", name).toAbsolutePath();
        Files.deleteIfExists(screenshot);
        run("--screenshot=" + screenshot, "--window-size=" + size, url);
        return screenshot;
    }

    private static String run(String... arguments) throws Exception {
        Path profile = Files.createTempDirectory("eie-chromium");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.orElseThrow().toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=15000"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("chromium ended").isTrue();
        return output;
    }
}
