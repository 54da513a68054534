package io.eie.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The topic layout of the wire contract: {@code [prefix/]meters/<meterId>} and
 * {@code [prefix/]vehicles/<vehicleId>}. The id in the topic is the device's identity.
 */
public final class Topics {

    private final String prefix;

    /** @param prefix {@code ""} or a prefix ending in {@code /} */
    public Topics(String prefix) {
        this.prefix = prefix;
    }

    /** The subscriptions: one per device kind, shared when a group is given. */
    public List<String> filters(String shareGroup) {
        List<String> filters = new ArrayList<>();
        for (DeviceKind kind : DeviceKind.values()) {
            String filter = prefix + kind.topicSegment() + "/+";
            filters.add(shareGroup == null ? filter : "$share/" + shareGroup + "/" + filter);
        }
        return filters;
    }

    /**
     * The device a topic names; empty when the topic is not one of ours. The id may be empty
     * ({@code vehicles/}): the parser reports that.
     */
    public Optional<DeviceRef> deviceOf(String topic) {
        if (!topic.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = topic.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
            return Optional.empty();
        }
        return DeviceKind.fromTopicSegment(rest.substring(0, slash))
                .map(kind -> new DeviceRef(kind, rest.substring(slash + 1)));
    }
}
