package io.eie.storage;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;

/**
 * Which meter feeds which vehicle, and since when. Links of one vehicle follow each other
 * without overlap: a new link closes the open one at the instant the new one starts.
 */
public final class VehicleMeterLinks {

    /** A span {@code [from, to)} during which the meter fed the vehicle; {@code to} is null while open. */
    public record Link(String meterId, Instant from, Instant to) {

        public boolean isOpen() {
            return to == null;
        }
    }

    /** What a request to link, or unlink, did. */
    public sealed interface Change permits Changed, Unchanged, Refused {
    }

    /** The links changed; {@code link} is the one opened or closed. */
    public record Changed(Link link) implements Change {
    }

    /** The vehicle was already in the state asked for. */
    public record Unchanged(Link link) implements Change {
    }

    /** The request contradicts the recorded links; nothing changed. */
    public record Refused(String reason) implements Change {
    }

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String HISTORY = SQL.locate(VehicleMeterLinks.class, "history");
    private static final String CLOSE = SQL.locate(VehicleMeterLinks.class, "close");
    private static final String OPEN = SQL.locate(VehicleMeterLinks.class, "open");

    private final Jdbi jdbi;

    public VehicleMeterLinks(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The vehicle's links, newest first. */
    public List<Link> history(String vehicleId) {
        return jdbi.withHandle(handle -> history(handle, vehicleId));
    }

    /** Links the vehicle to the meter from {@code from} on, closing the open link at that instant. */
    public Change link(String vehicleId, String meterId, Instant from) {
        return jdbi.inTransaction(handle -> {
            AdvisoryLocks.lock(handle, "vehicle_meter_link:" + vehicleId);
            Optional<Link> latest = history(handle, vehicleId).stream().findFirst();
            if (latest.isPresent()) {
                Link previous = latest.get();
                if (previous.isOpen() && previous.meterId().equals(meterId)) {
                    return new Unchanged(previous);
                }
                if (previous.isOpen() && !from.isAfter(previous.from())) {
                    return new Refused("from must be later than the start of the current link to meter "
                            + previous.meterId() + " (" + previous.from() + ")");
                }
                if (!previous.isOpen() && from.isBefore(previous.to())) {
                    return new Refused("from must not be before the end of the previous link to meter "
                            + previous.meterId() + " (" + previous.to() + ")");
                }
                if (previous.isOpen()) {
                    close(handle, vehicleId, previous, from);
                }
            }
            handle.createUpdate(OPEN)
                    .bind("vehicleId", vehicleId)
                    .bind("meterId", meterId)
                    .bind("from", from)
                    .execute();
            return new Changed(new Link(meterId, from, null));
        });
    }

    /** Closes the vehicle's open link at {@code at}; unchanged when it has none. */
    public Change unlink(String vehicleId, Instant at) {
        return jdbi.inTransaction(handle -> {
            AdvisoryLocks.lock(handle, "vehicle_meter_link:" + vehicleId);
            Optional<Link> latest = history(handle, vehicleId).stream().findFirst();
            if (latest.isEmpty() || !latest.get().isOpen()) {
                return new Unchanged(latest.orElse(null));
            }
            Link open = latest.get();
            if (!at.isAfter(open.from())) {
                return new Refused("the link can only be closed after it started (" + open.from() + ")");
            }
            close(handle, vehicleId, open, at);
            return new Changed(new Link(open.meterId(), open.from(), at));
        });
    }

    private static void close(Handle handle, String vehicleId, Link open, Instant at) {
        handle.createUpdate(CLOSE)
                .bind("vehicleId", vehicleId)
                .bind("from", open.from())
                .bind("at", at)
                .execute();
    }

    private static List<Link> history(Handle handle, String vehicleId) {
        return handle.createQuery(HISTORY)
                .bind("vehicleId", vehicleId)
                .map((rs, ctx) -> new Link(rs.getString("meter_id"),
                        rs.getObject("valid_from", OffsetDateTime.class).toInstant(),
                        rs.getObject("valid_to", OffsetDateTime.class) == null
                                ? null : rs.getObject("valid_to", OffsetDateTime.class).toInstant()))
                .list();
    }
}
