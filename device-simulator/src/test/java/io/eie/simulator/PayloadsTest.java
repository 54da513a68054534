package io.eie.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the simulated devices send: the engine's wire contract, and on purpose the ways it is broken. */
class PayloadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T = Instant.parse("2026-02-10T10:00:00.250Z").toEpochMilli();

    @Test
    void writes_a_vehicle_report_in_the_contract() throws Exception {
        JsonNode json = JSON.readTree(Payloads.vehicle("V00001", 70.456, 0.1833333, 36.46, T));

        assertThat(json.get("vehicleId").asText()).isEqualTo("V00001");
        assertThat(json.get("soc").decimalValue()).isEqualByComparingTo("70.46");
        assertThat(json.get("kwhDeliveredDc").decimalValue()).isEqualByComparingTo("0.1833");
        assertThat(json.get("batteryTemp").decimalValue()).isEqualByComparingTo("36.5");
        assertThat(json.get("timestamp").asText()).isEqualTo("2026-02-10T10:00:00.250Z");
    }

    @Test
    void writes_a_meter_report_in_the_contract() throws Exception {
        String payload = Payloads.meter("M00001", 0.0, 229.96, T);
        JsonNode json = JSON.readTree(payload);

        assertThat(json.get("meterId").asText()).isEqualTo("M00001");
        assertThat(payload).contains("\"kwhConsumedAc\":0.0000,");
        assertThat(json.get("voltage").decimalValue()).isEqualByComparingTo("230.0");
    }

    @Test
    void writes_fixed_decimals_without_a_formatter() {
        assertThat(Payloads.fixed(new StringBuilder(), 0.05, 4).toString()).isEqualTo("0.0500");
        assertThat(Payloads.fixed(new StringBuilder(), -3.25, 1).toString()).isEqualTo("-3.3");
        assertThat(Payloads.fixed(new StringBuilder(), 12, 0).toString()).isEqualTo("12");
    }

    @ParameterizedTest
    @EnumSource(Payloads.Corruption.class)
    void spoils_a_report_so_that_the_contract_refuses_it(Payloads.Corruption corruption) throws Exception {
        String vehicle = Payloads.corrupt(Payloads.vehicle("V1", 70, 0.2, 30, T), corruption);
        String meter = Payloads.corrupt(Payloads.meter("M1", 0.2, 230, T), corruption);

        for (String spoiled : new String[] {vehicle, meter}) {
            assertThat(violatesContract(spoiled)).as("%s: %s", corruption, spoiled).isTrue();
        }
    }

    /** A few of the engine's rules, enough to tell each corruption from a valid report. */
    private static boolean violatesContract(String payload) {
        JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (Exception notJson) {
            return true;
        }
        JsonNode ts = json.get("timestamp");
        if (ts == null || !ts.asText().endsWith("Z")) {
            return true;
        }
        for (String energy : new String[] {"kwhDeliveredDc", "kwhConsumedAc"}) {
            JsonNode value = json.get(energy);
            if (value != null && (!value.isNumber() || value.asDouble() < 0)) {
                return true;
            }
        }
        return (json.has("soc") && json.get("soc").asDouble() > 100)
                || (json.has("voltage") && json.get("voltage").asDouble() > 1000);
    }
}
