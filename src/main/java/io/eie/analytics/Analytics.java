package io.eie.analytics;

import io.eie.storage.EnergyModes;
import io.eie.storage.EnergySql;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The read side: charging efficiency over a window and the live state of devices. Every
 * history query is a range scan of one device's {@code (id, ts)} primary key, in the partitions
 * the window touches. Energy is read as each device reports it ({@link EnergyMode}): the sum of
 * its interval readings, or the rises of its register.
 */
public final class Analytics {

    /** The vehicle's live row and its current meter's live row; one row, whether or not they exist. */
    static final String SNAPSHOT = """
            SELECT vehicle.soc, vehicle.battery_temp, vehicle.kwh_delivered_dc, vehicle.ts AS vehicle_ts,
                   link.meter_id, meter.voltage, meter.kwh_consumed_ac, meter.ts AS meter_ts,
                   EXISTS (SELECT 1 FROM vehicle_meter_link any_link WHERE any_link.vehicle_id = wanted.vehicle_id) AS linked,
                   coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'vehicle' AND device_id = wanted.vehicle_id),
                            :vehicleDefault) AS vehicle_mode
            FROM (SELECT CAST(:vehicleId AS text) AS vehicle_id) wanted
            LEFT JOIN vehicle_live_status vehicle ON vehicle.vehicle_id = wanted.vehicle_id
            LEFT JOIN vehicle_meter_link link ON link.vehicle_id = wanted.vehicle_id AND link.valid_to IS NULL
            LEFT JOIN meter_live_status meter ON meter.meter_id = link.meter_id
            """;

    /** The vehicle's readings and mean battery temperature over the window; its energy comes from {@link EnergySql#energy}. */
    static final String VEHICLE_TOTALS = """
            SELECT avg(battery_temp) AS avg_temp, count(*) AS readings
            FROM vehicle_telemetry_history
            WHERE vehicle_id = :vehicleId AND ts >= :from AND ts < :to
            """;

    /** The vehicle's links that overlap the window, each cut to the part inside it, oldest first, with each meter's mode. */
    static final String LINKS = """
            SELECT meter_id, greatest(valid_from, :from) AS span_from, least(coalesce(valid_to, 'infinity'), :to) AS span_to,
                   coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'meter' AND device_id = meter_id),
                            :meterDefault) AS meter_mode
            FROM vehicle_meter_link
            WHERE vehicle_id = :vehicleId AND valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
            ORDER BY valid_from
            """;

    /** How many devices of a kind have reported, and how many of them recently (by arrival). */
    private static final String REPORTING = """
            SELECT (SELECT count(*) FILTER (WHERE received_at >= :since) FROM vehicle_live_status) AS vehicles_reporting,
                   (SELECT count(*) FROM vehicle_live_status) AS vehicles_known,
                   (SELECT count(*) FILTER (WHERE received_at >= :since) FROM meter_live_status) AS meters_reporting,
                   (SELECT count(*) FROM meter_live_status) AS meters_known
            """;

    private static final String VEHICLE_LIVE = """
            SELECT vehicle_id, soc, kwh_delivered_dc, battery_temp, ts, received_at
            FROM vehicle_live_status WHERE vehicle_id = :id
            """;

    private static final String METER_LIVE = """
            SELECT meter_id, kwh_consumed_ac, voltage, ts, received_at
            FROM meter_live_status WHERE meter_id = :id
            """;

    private final Jdbi jdbi;
    private final AnalyticsSettings settings;
    private final EnergyModes energyModes;

    public Analytics(Jdbi jdbi, AnalyticsSettings settings, EnergyModes energyModes) {
        this.jdbi = jdbi;
        this.settings = settings;
        this.energyModes = energyModes;
    }

    public AnalyticsSettings settings() {
        return settings;
    }

    /**
     * How efficiently the vehicle charged over {@code [from, to)}; empty when the engine has
     * never heard of the vehicle (no reading and no meter link).
     */
    public Optional<PerformanceReport> performance(String vehicleId, Instant from, Instant to) {
        // one snapshot of the database for the whole report: DC and AC from the same moment
        return jdbi.inTransaction(handle -> {
            handle.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            Lookup lookup = lookup(handle, vehicleId, energyModes.defaults().vehicle());
            return lookup.known()
                    ? Optional.of(report(handle, vehicleId, lookup.mode(), from, to, lookup.snapshot()))
                    : Optional.empty();
        });
    }

    private PerformanceReport report(Handle handle, String vehicleId, EnergyMode vehicleMode, Instant from, Instant to,
                                     PerformanceReport.Snapshot snapshot) {
        record Link(String meterId, EnergyMode mode, Instant from, Instant to) {
        }
        List<Link> links = handle.createQuery(LINKS)
                .bind("vehicleId", vehicleId).bind("from", from).bind("to", to)
                .bind("meterDefault", energyModes.defaults().meter().label())
                .map((rs, ctx) -> new Link(rs.getString("meter_id"), mode(rs.getString("meter_mode")),
                        instant(rs, "span_from"), instant(rs, "span_to")))
                .list();
        record VehicleTotals(BigDecimal dc, long resets, Double avgTemp, long readings) {
        }
        VehicleTotals vehicle = handle.createQuery("SELECT energy.kwh, energy.resets, totals.avg_temp, totals.readings FROM ("
                        + EnergySql.energy(DeviceKind.VEHICLE, vehicleMode, ":vehicleId", ":from", ":to") + ") energy, ("
                        + VEHICLE_TOTALS + ") totals")
                .bind("vehicleId", vehicleId).bind("from", from).bind("to", to)
                .map((rs, ctx) -> new VehicleTotals(rs.getBigDecimal("kwh"), rs.getLong("resets"),
                        nullableDouble(rs, "avg_temp"), rs.getLong("readings")))
                .one();

        Set<String> meterIds = new LinkedHashSet<>();
        BigDecimal ac = BigDecimal.ZERO;
        BigDecimal linkedDc = BigDecimal.ZERO;
        long meterReadings = 0;
        long meterResets = 0;
        for (Link link : links) {
            Span span = span(handle, link.mode(), link.meterId(), vehicleMode, vehicleId, link.from(), link.to());
            meterIds.add(link.meterId());
            ac = ac.add(span.ac());
            linkedDc = linkedDc.add(span.dc());
            meterReadings += span.meterReadings();
            meterResets += span.meterResets();
        }

        BigDecimal efficiency = null;
        boolean alert = false;
        if (ac.signum() > 0) {
            BigDecimal exact = linkedDc.divide(ac, MathContext.DECIMAL64);
            alert = exact.compareTo(settings.efficiencyThreshold()) < 0;
            efficiency = plain(exact.setScale(4, RoundingMode.HALF_EVEN));
        }
        var metrics = new PerformanceReport.Metrics(plain(ac), plain(vehicle.dc()), plain(linkedDc), efficiency,
                vehicle.avgTemp() == null ? null : round2(vehicle.avgTemp()), vehicle.readings(), meterReadings,
                new PerformanceReport.RegisterResets(vehicle.resets(), meterResets));
        return new PerformanceReport(vehicleId, new ArrayList<>(meterIds), new PerformanceReport.Window(from, to),
                metrics, alert, snapshot);
    }

    /** What a meter drew and its vehicle took over one link's span. */
    record Span(BigDecimal ac, long meterResets, long meterReadings, BigDecimal dc) {
    }

    /** A meter's AC and its vehicle's DC over {@code [from, to)}, each read as its device reports energy: two index range scans. */
    static Span span(Handle handle, EnergyMode meterMode, String meterId, EnergyMode vehicleMode, String vehicleId,
                     Instant from, Instant to) {
        return handle.createQuery("SELECT meter.kwh AS ac, meter.resets, meter.readings, vehicle.kwh AS dc FROM ("
                        + EnergySql.energy(DeviceKind.METER, meterMode, ":meterId", ":from", ":to") + ") meter, ("
                        + EnergySql.energy(DeviceKind.VEHICLE, vehicleMode, ":vehicleId", ":from", ":to") + ") vehicle")
                .bind("meterId", meterId).bind("vehicleId", vehicleId).bind("from", from).bind("to", to)
                .map((rs, ctx) -> new Span(rs.getBigDecimal("ac"), rs.getLong("resets"), rs.getLong("readings"),
                        rs.getBigDecimal("dc")))
                .one();
    }

    private static EnergyMode mode(String label) {
        return EnergyMode.fromLabel(label).orElseThrow();
    }

    static double round2(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * Whether the vehicle is known (it has reported, or has a meter link), and its live snapshot
     * when it has reported.
     */
    private record Lookup(boolean known, PerformanceReport.Snapshot snapshot, EnergyMode mode) {
    }

    /** Whether the engine has heard of the vehicle: it has reported, or has a meter link. */
    static boolean isKnown(Handle handle, String vehicleId) {
        return lookup(handle, vehicleId, EnergyMode.INTERVAL).known();
    }

    private static Lookup lookup(Handle handle, String vehicleId, EnergyMode vehicleDefault) {
        return handle.createQuery(SNAPSHOT)
                .bind("vehicleId", vehicleId)
                .bind("vehicleDefault", vehicleDefault.label())
                .map((rs, ctx) -> {
                    Instant vehicleTs = instant(rs, "vehicle_ts");
                    EnergyMode mode = mode(rs.getString("vehicle_mode"));
                    if (vehicleTs == null) {
                        return new Lookup(rs.getBoolean("linked"), null, mode);
                    }
                    String meterId = rs.getString("meter_id");
                    PerformanceReport.MeterSnapshot meter = meterId == null ? null
                            : new PerformanceReport.MeterSnapshot(meterId, nullableDouble(rs, "voltage"),
                            plainOrNull(rs.getBigDecimal("kwh_consumed_ac")), instant(rs, "meter_ts"));
                    return new Lookup(true, new PerformanceReport.Snapshot(nullableDouble(rs, "soc"),
                            nullableDouble(rs, "battery_temp"), plain(rs.getBigDecimal("kwh_delivered_dc")),
                            vehicleTs, meter), mode);
                })
                .one();
    }

    /** The fleet at a glance: devices heard from since {@code now - recent}, and this instance's intake. */
    public FleetOverview overview(Instant now, Duration recent, FleetOverview.IngestRate ingest) {
        return jdbi.withHandle(handle -> handle.createQuery(REPORTING)
                .bind("since", now.minus(recent))
                .map((rs, ctx) -> new FleetOverview(now, recent.toMinutes(),
                        new FleetOverview.Devices(rs.getLong("vehicles_reporting"), rs.getLong("vehicles_known")),
                        new FleetOverview.Devices(rs.getLong("meters_reporting"), rs.getLong("meters_known")), ingest))
                .one());
    }

    public Optional<LiveStatus.Vehicle> vehicle(String vehicleId) {
        return jdbi.withHandle(handle -> handle.createQuery(VEHICLE_LIVE)
                .bind("id", vehicleId)
                .map((rs, ctx) -> new LiveStatus.Vehicle(rs.getString("vehicle_id"), rs.getDouble("soc"),
                        plain(rs.getBigDecimal("kwh_delivered_dc")), rs.getDouble("battery_temp"),
                        instant(rs, "ts"), instant(rs, "received_at")))
                .findOne());
    }

    public Optional<LiveStatus.Meter> meter(String meterId) {
        return jdbi.withHandle(handle -> handle.createQuery(METER_LIVE)
                .bind("id", meterId)
                .map((rs, ctx) -> new LiveStatus.Meter(rs.getString("meter_id"),
                        plain(rs.getBigDecimal("kwh_consumed_ac")), rs.getDouble("voltage"),
                        instant(rs, "ts"), instant(rs, "received_at")))
                .findOne());
    }

    /** The exact value without trailing zeros: 10.50 reads 10.5, and 0.000 reads 0. */
    static BigDecimal plain(BigDecimal value) {
        return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }

    private static BigDecimal plainOrNull(BigDecimal value) {
        return value == null ? null : plain(value);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }
}
