package io.eie.analytics;

import io.eie.storage.EnergyModes;
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
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.core.statement.Query;

/**
 * The read side: charging efficiency over a window and the live state of devices. Every
 * history query is a range scan of one device's {@code (id, ts)} primary key, in the partitions
 * the window touches. Energy is read as each device reports it ({@link EnergyMode}): the sum of
 * its interval readings, or the rises of its register.
 */
public final class Analytics {

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String ONE_SNAPSHOT = SQL.locate(Analytics.class, "oneSnapshot");
    static final String SNAPSHOT = SQL.locate(Analytics.class, "snapshot");
    static final String VEHICLE_TOTALS = SQL.locate(Analytics.class, "vehicleTotals");
    static final String LINKS = SQL.locate(Analytics.class, "links");
    private static final String VEHICLE_REPORT = SQL.locate(Analytics.class, "vehicleReport");
    private static final String VEHICLE_INTERVAL_REPORT = SQL.locate(Analytics.class, "vehicleIntervalReport");
    private static final String SPAN = SQL.locate(Analytics.class, "span");
    private static final String REPORTING = SQL.locate(Analytics.class, "reporting");
    private static final String VEHICLE_LIVE = SQL.locate(Analytics.class, "vehicleLive");
    private static final String METER_LIVE = SQL.locate(Analytics.class, "meterLive");
    private static final String METER_ENERGY_INTERVAL = SQL.locate(Analytics.class, "meterEnergyInterval");
    private static final String METER_ENERGY_REGISTER = SQL.locate(Analytics.class, "meterEnergyRegister");
    private static final String VEHICLE_ENERGY_INTERVAL = SQL.locate(Analytics.class, "vehicleEnergyInterval");
    private static final String VEHICLE_ENERGY_REGISTER = SQL.locate(Analytics.class, "vehicleEnergyRegister");

    /**
     * A query for one device's energy over {@code [:from, :to)} as it reports energy, with columns
     * {@code kwh}, {@code resets} and {@code readings}; the device is {@code :meterId} or {@code :vehicleId}.
     */
    static String energy(DeviceKind kind, EnergyMode mode) {
        if (kind == DeviceKind.METER) {
            return mode == EnergyMode.REGISTER ? METER_ENERGY_REGISTER : METER_ENERGY_INTERVAL;
        }
        return mode == EnergyMode.REGISTER ? VEHICLE_ENERGY_REGISTER : VEHICLE_ENERGY_INTERVAL;
    }

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
        return jdbi.inTransaction(handle -> {
            handle.execute(ONE_SNAPSHOT);
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
        Query vehicleReport = vehicleMode == EnergyMode.INTERVAL ? handle.createQuery(VEHICLE_INTERVAL_REPORT)
                : handle.createQuery(VEHICLE_REPORT).define("vehicleEnergy", energy(DeviceKind.VEHICLE, vehicleMode))
                        .define("vehicleTotals", VEHICLE_TOTALS);
        VehicleTotals vehicle = vehicleReport
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
        return handle.createQuery(SPAN)
                .define("meterEnergy", energy(DeviceKind.METER, meterMode))
                .define("vehicleEnergy", energy(DeviceKind.VEHICLE, vehicleMode))
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
