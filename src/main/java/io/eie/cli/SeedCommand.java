package io.eie.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.physics.ChargingPair;
import io.eie.seed.DemoFleet;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Demo data for a running engine, sent through its HTTP API like any gateway's, so it takes the
 * same validation and storage path as real telemetry. Idempotent: the window starts where the
 * demo fleet's links say the first run started, so a second run sends the very same readings,
 * and the engine counts them as duplicates.
 */
@Command(name = "seed", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Loads demo data into a running engine: a small fleet of vehicles and meters, their links, "
                + "and a reading a minute from each for the last 24 hours, with the device simulator's physics.",
                "Run it again and it adds nothing: the same fleet gets the same readings, which are stored already."})
final class SeedCommand implements Callable<Integer> {

    private static final int READINGS_PER_REQUEST = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--engine", defaultValue = "http://localhost:3000", description = "the engine's HTTP API (default: ${DEFAULT-VALUE})")
    URI engine;

    @Option(names = "--token", defaultValue = "${env:EIE_API_TOKEN}",
            description = "bearer token with write access, when the engine wants one (default: $EIE_API_TOKEN)")
    String token;

    @Option(names = "--vehicles", defaultValue = "20", description = "vehicles, each with its meter (default: ${DEFAULT-VALUE})")
    int vehicles;

    @Option(names = "--hours", defaultValue = "24", description = "hours of history (default: ${DEFAULT-VALUE})")
    int hours;

    @Option(names = "--faulty-ratio", defaultValue = "0.2", description = "share of faulty chargers (default: ${DEFAULT-VALUE})")
    double faultyRatio;

    @Option(names = "--vehicle-prefix", defaultValue = "DEMO-V", description = "vehicle ids: <prefix>001, ... (default: ${DEFAULT-VALUE})")
    String vehiclePrefix;

    @Option(names = "--meter-prefix", defaultValue = "DEMO-M", description = "meter ids: <prefix>001, ... (default: ${DEFAULT-VALUE})")
    String meterPrefix;

    @Option(names = "--seed", defaultValue = "1", description = "the same seed plays the same fleet (default: ${DEFAULT-VALUE})")
    long seed;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public Integer call() throws Exception {
        if (vehicles < 1 || vehicles > 10_000 || hours < 1 || hours > 24 * 31 || faultyRatio < 0 || faultyRatio > 1) {
            System.err.println("--vehicles must be 1 to 10000, --hours 1 to 744, --faulty-ratio 0 to 1");
            return ConfiguredCommand.INVALID;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Instant start = seededStart(DemoFleet.id(vehiclePrefix, 1, vehicles)).orElse(now.minus(Duration.ofHours(hours)));
        // never past now, so that a longer --hours after an earlier run sends nothing from the future
        Duration length = Collections.min(List.of(Duration.ofHours(hours), Duration.between(start, now)));
        DemoFleet fleet = new DemoFleet(vehicles, vehiclePrefix, meterPrefix, faultyRatio, start, length, seed);

        for (ChargingPair pair : fleet.pairs()) {
            send(HttpRequest.newBuilder(engine.resolve("/v1/vehicles/" + pair.vehicleId + "/meter"))
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            JSON.createObjectNode().put("meterId", pair.meterId).put("from", start.toString())))));
        }

        List<String> readings = fleet.readings();
        long accepted = 0;
        long duplicates = 0;
        long rejected = 0;
        for (int from = 0; from < readings.size(); from += READINGS_PER_REQUEST) {
            List<String> chunk = readings.subList(from, Math.min(readings.size(), from + READINGS_PER_REQUEST));
            JsonNode answer = send(HttpRequest.newBuilder(engine.resolve("/v1/ingest"))
                    .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", chunk) + "]")));
            accepted += answer.get("accepted").asLong();
            duplicates += answer.get("duplicates").asLong();
            rejected += answer.get("rejected").asLong();
        }

        long faulty = fleet.pairs().stream().filter(pair -> pair.faulty).count();
        System.out.printf(Locale.ROOT, "Demo fleet: %d vehicles (%s...) and their meters (%s...), %d with a faulty charger; "
                        + "a reading a minute each from %s to %s.%n", vehicles, fleet.pairs().get(0).vehicleId,
                fleet.pairs().get(0).meterId, faulty, fleet.start(), fleet.end());
        if (accepted == 0 && rejected == 0) {
            System.out.printf(Locale.ROOT, "Already seeded: all %,d readings were stored already; nothing added.%n", duplicates);
        } else {
            System.out.printf(Locale.ROOT, "Added %,d readings (%,d were stored already); each vehicle linked to its meter.%n",
                    accepted, duplicates);
        }
        if (rejected > 0) {
            System.err.printf(Locale.ROOT, "The engine refused %,d readings; see GET /v1/rejections.%n", rejected);
            return 1;
        }
        return 0;
    }

    /** Where an earlier run started: the current link of the fleet's first vehicle, if it has one. */
    private Optional<Instant> seededStart(String vehicleId) throws IOException, InterruptedException {
        JsonNode current = send(HttpRequest.newBuilder(engine.resolve("/v1/vehicles/" + vehicleId + "/meter")).GET(), 404)
                .path("current");
        return current.hasNonNull("from") ? Optional.of(Instant.parse(current.get("from").asText())) : Optional.empty();
    }

    /**
     * Sends, waiting out 503 answers (the engine's queue is full, or its database is away) as they
     * ask; {@code alsoFine} is a status that answers the question too (404: never linked).
     */
    private JsonNode send(HttpRequest.Builder request, int... alsoFine) throws IOException, InterruptedException {
        request.header("Content-Type", "application/json").timeout(Duration.ofSeconds(60));
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                throw new IOException("no engine answers at " + engine + " (start it, or pass --engine)", e);
            }
            if (response.statusCode() == 503 && attempt < 10) {
                long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(Duration.ofSeconds(Math.max(1, seconds)).toMillis());
                continue;
            }
            if (response.statusCode() / 100 != 2 && !IntStream.of(alsoFine).anyMatch(status -> status == response.statusCode())) {
                throw new IOException(request.build().method() + " " + request.build().uri().getPath() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        }
    }
}
