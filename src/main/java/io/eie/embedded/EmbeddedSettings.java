package io.eie.embedded;

import java.nio.file.Path;

/**
 * The PostgreSQL and MQTT broker the engine starts itself when it is not given external ones.
 *
 * @param dataDir           where both keep their data across restarts
 * @param databasePort      the embedded PostgreSQL's port; 0 picks a free one
 * @param mqttHost          the address the embedded broker listens on
 * @param mqttPort          the embedded broker's port; 0 picks a free one
 * @param mqttMaxQueuedMessages how many messages the embedded broker queues per client (while the
 *                          engine is away, or behind): sized for an outage of an hour at 20,000 devices
 */
public record EmbeddedSettings(Path dataDir, int databasePort, String mqttHost, int mqttPort,
                               long mqttMaxQueuedMessages) {
}
