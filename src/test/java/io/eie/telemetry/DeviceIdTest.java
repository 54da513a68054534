package io.eie.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceIdTest {

    @Test
    void takes_1_to_64_characters_from_letters_digits_and_dot_underscore_colon_hyphen() {
        assertThat(DeviceId.of("V-1001.a_b:c")).map(DeviceId::value).contains("V-1001.a_b:c");
        assertThat(DeviceId.of("x".repeat(64))).isPresent();
        assertThat(DeviceId.of("x".repeat(65))).isEmpty();
        assertThat(DeviceId.of("")).isEmpty();
        assertThat(DeviceId.of(null)).isEmpty();
        for (String refused : new String[] {"V 1", "V/1", "V+1", "V#1", "Vé", "V\u00001", "../V1"}) {
            assertThat(DeviceId.of(refused)).as(refused).isEmpty();
        }
    }

    @Test
    void says_its_rule_in_one_sentence_about_whatever_names_it() {
        assertThat(DeviceId.problem("meterId"))
                .isEqualTo("meterId must be a string of 1 to 64 characters from A-Z a-z 0-9 . _ : -");
        assertThatThrownBy(() -> new DeviceId("no spaces")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a device id must be a string of 1 to 64 characters");
    }
}
