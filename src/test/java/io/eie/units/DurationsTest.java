package io.eie.units;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"90d, PT2160H", "5m, PT5M", "1h30m, PT1H30M", "250ms, PT0.25S", "0, PT0S", "PT45S, PT45S", "2D, PT48H"})
    void reads_durations_as_people_write_them(String text, String iso) {
        assertThat(Durations.parse(text)).contains(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "m5", "5 minutes", "1h 30m", "-5m", "5m3", "P", "99999999999999999d", "999999999999999999999s"})
    void refuses_what_is_not_a_duration(String text) {
        assertThat(Durations.parse(text)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"PT2160H, 90d", "PT5M, 5m", "PT1H30M, 1h30m", "PT0.25S, 250ms", "PT0S, 0s", "PT25H1S, 1d1h1s"})
    void writes_the_shortest_exact_form(String iso, String text) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
    }
}
