package io.eie.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void subscribes_to_both_kinds_under_the_prefix() {
        assertThat(new Topics("").filters(null)).containsExactly("meters/+", "vehicles/+");
        assertThat(new Topics("site-1/").filters(null)).containsExactly("site-1/meters/+", "site-1/vehicles/+");
    }

    @Test
    void shares_the_subscriptions_in_a_group() {
        assertThat(new Topics("site-1/").filters("eie"))
                .containsExactly("$share/eie/site-1/meters/+", "$share/eie/site-1/vehicles/+");
    }

    @Test
    void names_the_device_of_a_topic() {
        Topics topics = new Topics("site-1/");

        assertThat(topics.deviceOf("site-1/meters/M2001")).contains(new DeviceRef(DeviceKind.METER, "M2001"));
        assertThat(topics.deviceOf("site-1/vehicles/V1001")).contains(new DeviceRef(DeviceKind.VEHICLE, "V1001"));
        assertThat(topics.deviceOf("site-1/vehicles/")).contains(new DeviceRef(DeviceKind.VEHICLE, ""));
    }

    @Test
    void names_no_device_for_a_topic_outside_the_layout() {
        Topics topics = new Topics("site-1/");

        assertThat(topics.deviceOf("site-2/meters/M1")).isEmpty();
        assertThat(topics.deviceOf("site-1/chargers/C1")).isEmpty();
        assertThat(topics.deviceOf("site-1/vehicles/V1/x")).isEmpty();
        assertThat(topics.deviceOf("site-1/vehicles")).isEmpty();
    }
}
