package io.eie.physics;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.SplittableRandom;

/**
 * One vehicle and the meter that feeds it, in continuous time. The vehicle plugs in with some
 * state of charge, charges at its charger's power until it reaches its target, is unplugged and
 * driven for some hours, and plugs in again. The meter sees the AC the charger draws; the
 * battery receives that AC times the charger's efficiency. Everything a report needs (energy
 * over an interval, state of charge, battery temperature, line voltage) is a function of time,
 * so vehicle and meter can report on their own clocks and still agree.
 *
 * <p>This source is compiled into the device simulator and into the engine (for {@code eie seed}),
 * so that demo data and simulated fleets follow the same physics.
 */
public final class ChargingPair {

    static final double[] CHARGER_KW = {7.4, 11, 22};
    static final double[] BATTERY_KWH = {40, 58, 64, 77, 82, 100};
    static final double HEALTHY_MIN = 0.88;
    static final double HEALTHY_MAX = 0.94;
    static final double FAULTY_MIN = 0.60;
    static final double FAULTY_MAX = 0.80;

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    /** How fast the battery warms under charge, and cools when idle. */
    private static final double WARM_UP_MINUTES = 20;
    private static final double COOL_DOWN_MINUTES = 45;
    /** Degrees above ambient a battery settles at, per kW of charging power. */
    private static final double RISE_PER_KW = 0.5;

    /** A charging session: plugged in at {@code start} (epoch ms) with {@code arrivalSoc} %, full at {@code end}. */
    record Session(long start, long end, double arrivalSoc, double targetSoc) {
    }

    public final String vehicleId;
    public final String meterId;
    public final double batteryKwh;
    public final double chargerKw;
    public final double efficiency;
    public final boolean faulty;
    public final double ambientC;
    public final double nominalVoltage;

    private final SplittableRandom random;
    private final long keepMillis;
    /** Sessions in time order; the last one starts after every time asked about so far. */
    private final ArrayDeque<Session> sessions = new ArrayDeque<>();

    /**
     * @param faultyShare the chance that this pair's charger is faulty
     * @param start       the first instant (epoch ms) the simulation will ask about
     * @param keepMillis  how far back from the latest time asked about it may still be asked
     */
    public ChargingPair(String vehicleId, String meterId, double faultyShare, long start, long keepMillis, long seed) {
        this.vehicleId = vehicleId;
        this.meterId = meterId;
        this.random = new SplittableRandom(seed);
        this.keepMillis = keepMillis;
        this.batteryKwh = BATTERY_KWH[random.nextInt(BATTERY_KWH.length)];
        this.chargerKw = CHARGER_KW[random.nextInt(CHARGER_KW.length)];
        this.faulty = random.nextDouble() < faultyShare;
        this.efficiency = faulty ? between(FAULTY_MIN, FAULTY_MAX) : between(HEALTHY_MIN, HEALTHY_MAX);
        this.ambientC = between(8, 24);
        this.nominalVoltage = 230;
        // The latest session began some hours before the simulation starts: some vehicles are
        // charging at the start, the others idle, as in a real fleet at any moment.
        sessions.add(session(start - (long) (between(0, 10) * HOUR), between(10, 50)));
    }

    /** AC energy (kWh) the meter measures over {@code [from, to)}. */
    public double acKwh(long from, long to) {
        extendTo(to);
        long chargingMillis = 0;
        for (Session session : sessions) {
            chargingMillis += Math.max(0, Math.min(to, session.end) - Math.max(from, session.start));
        }
        return chargerKw * chargingMillis / HOUR;
    }

    /** DC energy (kWh) delivered into the battery over {@code [from, to)}. */
    public double dcKwh(long from, long to) {
        return acKwh(from, to) * efficiency;
    }

    public boolean charging(long t) {
        extendTo(t);
        for (Session session : sessions) {
            if (t >= session.start && t < session.end) {
                return true;
            }
        }
        return false;
    }

    /** State of charge (%): rising while charging, falling while the vehicle is driven between sessions. */
    public double soc(long t) {
        extendTo(t);
        Session previous = null;
        for (Session session : sessions) {
            if (t < session.start) {
                if (previous == null) {
                    return session.arrivalSoc;
                }
                double share = (double) (t - previous.end) / (session.start - previous.end);
                return previous.targetSoc + (session.arrivalSoc - previous.targetSoc) * share;
            }
            if (t < session.end) {
                double charged = chargerKw * efficiency * (t - session.start) / HOUR;
                return Math.min(session.targetSoc, session.arrivalSoc + 100 * charged / batteryKwh);
            }
            previous = session;
        }
        throw new IllegalStateException("sessions always extend past the time asked about");
    }

    /** Battery temperature (°C): warming towards a plateau under charge, cooling back to ambient after. */
    public double batteryTemp(long t) {
        extendTo(t);
        double rise = 0;
        long at = Long.MIN_VALUE;
        for (Session session : sessions) {
            if (session.start > t) {
                break;
            }
            if (at != Long.MIN_VALUE) {
                rise = cool(rise, session.start - at);
            }
            double plateau = RISE_PER_KW * chargerKw;
            long warming = Math.min(t, session.end) - session.start;
            rise = plateau + (rise - plateau) * Math.exp(-warming / (WARM_UP_MINUTES * MINUTE));
            at = Math.min(t, session.end);
        }
        if (at != Long.MIN_VALUE && t > at) {
            rise = cool(rise, t - at);
        }
        return ambientC + rise + random.nextGaussian() * 0.15;
    }

    /** Line voltage: nominal with noise, a little lower under load. */
    public double voltage(long t) {
        return nominalVoltage + random.nextGaussian() * 1.2 - (charging(t) ? 1.5 : 0);
    }

    private static double cool(double rise, long millis) {
        return rise * Math.exp(-millis / (COOL_DOWN_MINUTES * MINUTE));
    }

    /** Generates sessions until one starts after {@code t}; forgets those too old to matter. */
    private void extendTo(long t) {
        while (sessions.getLast().start <= t) {
            Session last = sessions.getLast();
            long unplugged = last.end + (long) (between(1, 10) * HOUR);
            double arrival = between(10, Math.max(12, Math.min(50, last.targetSoc - 10)));
            sessions.add(session(unplugged, arrival));
        }
        // The oldest session can go once the one after it also ended before anything still asked about.
        long horizon = t - keepMillis;
        while (sessions.size() > 2) {
            Iterator<Session> oldest = sessions.iterator();
            oldest.next();
            if (oldest.next().end < horizon) {
                sessions.removeFirst();
            } else {
                break;
            }
        }
    }

    private Session session(long start, double arrivalSoc) {
        double target = between(80, 100);
        double hours = (target - arrivalSoc) / 100 * batteryKwh / (chargerKw * efficiency);
        return new Session(start, start + (long) (hours * HOUR), arrivalSoc, target);
    }

    private double between(double min, double max) {
        return min + random.nextDouble() * (max - min);
    }
}
