package io.eie.simulator;

import io.eie.physics.ChargingPair;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/** Tells the engine which meter feeds which vehicle, through its HTTP API, as an operator would. */
public final class LinkRegistrar {

    private static final int PARALLEL = 32;

    private LinkRegistrar() {
    }

    /** Links every pair from {@code from}; returns how many the engine refused. */
    public static int register(URI engine, Fleet fleet, Instant from) throws InterruptedException {
        return register(engine, null, fleet, from);
    }

    /**
     * As {@link #register(URI, Fleet, Instant)}, sending {@code Authorization: Bearer <token>}
     * when {@code token} is set (an engine with EIE_API_TOKEN or EIE_API_WRITE_TOKEN wants one).
     */
    public static int register(URI engine, String token, Fleet fleet, Instant from) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore parallel = new Semaphore(PARALLEL);
        AtomicInteger refused = new AtomicInteger();
        List<CompletableFuture<?>> calls = new ArrayList<>(fleet.size());
        for (ChargingPair pair : fleet.pairs()) {
            parallel.acquire();
            HttpRequest.Builder request = HttpRequest.newBuilder(engine.resolve("/v1/vehicles/" + pair.vehicleId + "/meter"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"meterId\": \"" + pair.meterId + "\", \"from\": \"" + from + "\"}"));
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token);
            }
            calls.add(http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                parallel.release();
                if (failure != null || response.statusCode() != 200) {
                    if (refused.getAndIncrement() == 0) {
                        System.err.println("linking " + pair.vehicleId + " failed: "
                                + (failure != null ? failure.getMessage() : response.statusCode() + " " + response.body()));
                    }
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(failure -> null).join();
        return refused.get();
    }
}
