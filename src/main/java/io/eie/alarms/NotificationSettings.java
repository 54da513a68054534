package io.eie.alarms;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where alarm events go besides the database: each webhook, and the broker (always, to
 * {@code alarms/<deviceId>} under the topic prefix).
 *
 * @param webhooks   the URLs each event is posted to; none when empty
 * @param secret     the key of each body's HMAC-SHA256 signature; set whenever a webhook is
 * @param timeout    how long one attempt may take
 * @param maxBackoff the longest wait between attempts (they start a second apart and double)
 */
public record NotificationSettings(List<URI> webhooks, String secret, Duration timeout, Duration maxBackoff) {

    /** The target of the broker among a delivery's targets. */
    public static final String MQTT = "mqtt";

    public static final NotificationSettings DEFAULTS = new NotificationSettings(List.of(), null, Duration.ofSeconds(10),
            Duration.ofMinutes(5));

    public NotificationSettings {
        webhooks = List.copyOf(webhooks);
    }

    /** Every target an event is delivered to: {@link #MQTT} and each webhook's URL. */
    public List<String> targets() {
        List<String> targets = new ArrayList<>();
        targets.add(MQTT);
        webhooks.forEach(webhook -> targets.add(webhook.toString()));
        return List.copyOf(targets);
    }

    /** A target as logs and the API show it: a webhook's URL without credentials or query; {@code mqtt} as it is. */
    public static String shown(String target) {
        if (target.equals(MQTT)) {
            return target;
        }
        URI uri = URI.create(target);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    @Override
    public String toString() {
        return "NotificationSettings[webhooks=" + webhooks.size() + ", secret=****, timeout=" + timeout + "]";
    }
}
