package io.eie.cli;

import io.eie.config.Config;
import io.eie.embedded.EmbeddedBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "broker", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Runs only the engine's embedded MQTT broker (HiveMQ Community Edition) on "
                + "EIE_EMBEDDED_MQTT_HOST:EIE_EMBEDDED_MQTT_PORT, data in EIE_DATA_DIR.",
                "A broker that outlives the engine (its sessions queue while the engine is away), "
                        + "or one broker for several engines on a laptop."})
final class BrokerCommand extends ConfiguredCommand {

    private static final Logger log = LoggerFactory.getLogger(BrokerCommand.class);

    @Override
    int run(Config config) {
        EmbeddedBroker broker;
        try {
            broker = EmbeddedBroker.start(config.embedded().dataDir(), config.embedded().mqttHost(),
                    config.embedded().mqttPort(), config.embedded().mqttMaxQueuedMessages(), config.mqtt().sessionExpiry(),
                    config.mqtt().maxPacketSize());
        } catch (Exception e) {
            log.error("The broker could not start: {}", e.getMessage());
            return 1;
        }
        log.info("Ready. MQTT broker: tcp://{}:{}", broker.host(), broker.port());
        Lifetime.runUntilStopped(broker::close);
        return 0;
    }
}
