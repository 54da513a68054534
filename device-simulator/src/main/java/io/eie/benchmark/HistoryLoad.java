package io.eie.benchmark;

import io.eie.physics.ChargingPair;
import io.eie.process.EngineProcess;
import io.eie.simulator.Fleet;
import io.eie.simulator.Payloads;
import java.nio.charset.StandardCharsets;

/**
 * A fleet's past readings, as devices would have sent them, posted to the engine's
 * {@code /v1/ingest} in arrays: so that history, its partitions, the hourly rollups and the live
 * rows are made by the engine itself, exactly as in production, only faster than the MQTT
 * backfill. Readings go in time order, every pair's vehicle and meter reading of one instant
 * after each other.
 */
final class HistoryLoad {

    /** Readings per request. */
    private static final int ARRAY = 1_000;
    private static final int CONNECTIONS = 8;

    /** What was posted, and what the engine refused or failed. */
    record Result(long readings, long failed, double seconds) {
    }

    private HistoryLoad() {
    }

    /**
     * Posts, for every {@code step} from {@code from} (exclusive) to {@code to} (inclusive), one
     * reading of each vehicle and of its meter: the energy of the minute before, and the state at
     * that instant.
     */
    static Result post(EngineProcess engine, Fleet fleet, long from, long to, long step) throws InterruptedException {
        String host = "127.0.0.1:" + engine.httpPort();
        long[] cursor = {0};
        long instants = (to - from) / step;
        long total = instants * fleet.size();
        // one request at a time is made, in time order: a pair's physics is asked about times in
        // order, from one thread at a time (it keeps only what the latest times need)
        HttpLoad.Drained drained = HttpLoad.drain("127.0.0.1", engine.httpPort(), CONNECTIONS, () -> {
            synchronized (cursor) {
                return next(fleet, from, step, total, cursor, host);
            }
        });
        return new Result(drained.readings(), drained.failedReadings(), drained.seconds());
    }

    /** The next request: the readings from {@code cursor} on, up to an array of 1,000; {@code null} when all are made. */
    private static HttpLoad.Request next(Fleet fleet, long from, long step, long total, long[] cursor, String host) {
        long first = cursor[0];
        if (first >= total) {
            return null;
        }
        cursor[0] += ARRAY / 2;
        long last = Math.min(total, first + ARRAY / 2);
        StringBuilder json = new StringBuilder(ARRAY * 120).append('[');
        for (long i = first; i < last; i++) {
            long at = from + (i / fleet.size() + 1) * step;
            ChargingPair pair = fleet.pair((int) (i % fleet.size()));
            if (i > first) {
                json.append(',');
            }
            json.append(Payloads.vehicle(pair.vehicleId, pair.soc(at), pair.dcKwh(at - 60_000, at), pair.batteryTemp(at), at))
                    .append(',')
                    .append(Payloads.meter(pair.meterId, pair.acKwh(at - 60_000, at), pair.voltage(at), at));
        }
        byte[] body = json.append(']').toString().getBytes(StandardCharsets.UTF_8);
        return new HttpLoad.Request(HttpLoad.request("POST", "/v1/ingest", host, body), (int) (last - first) * 2);
    }
}
