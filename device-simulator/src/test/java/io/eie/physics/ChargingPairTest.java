package io.eie.physics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ChargingPairTest {

    private static final long START = Instant.parse("2026-02-01T00:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;
    private static final long WEEK = Duration.ofDays(7).toMillis();

    @Test
    void delivers_its_chargers_share_of_the_ac_as_dc() {
        for (int seed = 0; seed < 50; seed++) {
            ChargingPair pair = pair(0.0, seed);
            double ac = 0;
            double dc = 0;
            for (long t = START + MINUTE; t <= START + WEEK; t += MINUTE) {
                ac += pair.acKwh(t - MINUTE, t);
                dc += pair.dcKwh(t - MINUTE, t);
            }
            assertThat(ac).as("a week charges at least once").isPositive();
            assertThat(dc / ac).isCloseTo(pair.efficiency, within(1e-9)).isBetween(0.88, 0.94);
            assertThat(pair.faulty).isFalse();
        }
    }

    @Test
    void faulty_chargers_waste_far_more() {
        for (int seed = 0; seed < 20; seed++) {
            ChargingPair pair = pair(1.0, seed);

            assertThat(pair.faulty).isTrue();
            assertThat(pair.efficiency).isBetween(0.60, 0.80);
        }
    }

    @Test
    void draws_the_chargers_power_while_charging_and_nothing_while_idle() {
        ChargingPair pair = pair(0.05, 3);
        int charging = 0;
        int idle = 0;
        for (long t = START + MINUTE; t <= START + WEEK; t += MINUTE) {
            double ac = pair.acKwh(t - MINUTE, t);
            if (pair.charging(t - MINUTE) && pair.charging(t - 1)) {
                assertThat(ac).isCloseTo(pair.chargerKw / 60, within(1e-9));
                charging++;
            } else if (!pair.charging(t - MINUTE) && !pair.charging(t - 1)) {
                assertThat(ac).isZero();
                idle++;
            }
        }
        assertThat(charging).as("minutes charging").isPositive();
        assertThat(idle).as("minutes idle").isPositive();
    }

    @Test
    void state_of_charge_rises_while_charging_and_stays_between_0_and_100() {
        ChargingPair pair = pair(0.05, 5);
        double previous = pair.soc(START);
        boolean rose = false;
        for (long t = START + MINUTE; t <= START + WEEK; t += MINUTE) {
            double soc = pair.soc(t);
            assertThat(soc).isBetween(0.0, 100.0);
            if (pair.charging(t - MINUTE) && pair.charging(t)) {
                assertThat(soc).isGreaterThanOrEqualTo(previous);
                rose |= soc > previous;
            }
            previous = soc;
        }
        assertThat(rose).isTrue();
    }

    @Test
    void the_battery_warms_under_charge_and_cools_when_idle() {
        ChargingPair pair = pair(0.0, 8);
        double warmest = Double.NEGATIVE_INFINITY;
        double coolest = Double.POSITIVE_INFINITY;
        for (long t = START; t <= START + WEEK; t += MINUTE) {
            double temp = pair.batteryTemp(t);
            if (pair.charging(t) && pair.charging(t - 30 * MINUTE)) {
                warmest = Math.max(warmest, temp);
            } else if (!pair.charging(t) && !pair.charging(t - 4 * 60 * MINUTE)) {
                coolest = Math.min(coolest, temp);
            }
        }
        assertThat(warmest).isGreaterThan(pair.ambientC + 2);
        assertThat(coolest).isCloseTo(pair.ambientC, within(1.0));
    }

    @Test
    void plays_the_same_fleet_for_the_same_seed() {
        ChargingPair one = pair(0.5, 42);
        ChargingPair two = pair(0.5, 42);

        assertThat(two.efficiency).isEqualTo(one.efficiency);
        assertThat(two.acKwh(START, START + WEEK)).isEqualTo(one.acKwh(START, START + WEEK));
    }

    private static ChargingPair pair(double faultyShare, long seed) {
        return new ChargingPair("V1", "M1", faultyShare, START, 3 * MINUTE, seed);
    }
}
