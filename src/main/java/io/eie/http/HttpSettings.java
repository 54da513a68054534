package io.eie.http;

import java.time.Duration;

/**
 * @param host          the address to listen on ({@code 0.0.0.0}: every interface)
 * @param port          the port; 0 picks a free one
 * @param maxBodyBytes  the largest request body accepted
 * @param maxReadings   the most readings one ingest request may carry
 * @param ingestTimeout how long an ingest request waits for its readings to commit before it answers 503
 * @param maxFutureSkew how far in the future a link's start may be (clocks differ a little)
 * @param tokens        who may call {@code /v1}
 * @param maxExportWindow the longest window one export request may cover
 */
public record HttpSettings(String host, int port, long maxBodyBytes, int maxReadings, Duration ingestTimeout,
                           Duration maxFutureSkew, ApiTokens tokens, Duration maxExportWindow) {
}
