package io.eie.cli;

import io.eie.App;
import io.eie.config.Config;
import io.eie.embedded.EmbeddedBroker;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Runs the engine (the default): MQTT intake, the HTTP API, the batch writer.",
                "Without EIE_DATABASE_URL or EIE_MQTT_URL it runs its own PostgreSQL and MQTT broker, "
                        + "keeping their data in EIE_DATA_DIR (./data). Stops cleanly on SIGTERM or Ctrl-C."})
final class ServeCommand extends ConfiguredCommand {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Override
    int run(Config config) {
        log.info("Energy Ingestion Engine {} starting on {} with:", VersionCommand.version(), hostName());
        config.effective().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(setting -> log.info("  {} = {}", setting.getKey(), setting.getValue()));
        config.unknown().forEach(name -> log.warn("Ignoring {}: no setting has that name (a typo?)", name));

        App app;
        try {
            app = App.start(config, Clock.systemUTC());
        } catch (EmbeddedBroker.PortTakenException e) {
            log.error(e.getMessage());
            return 1;
        } catch (Exception e) {
            log.error("The engine could not start: {}", e.getMessage(), e);
            return 1;
        }
        log.info("Ready. HTTP API: http://localhost:{}  MQTT: {}  (publish to meters/<id> and vehicles/<id>)  Database: {}",
                app.httpPort(), app.mqttUrl(), app.databaseUrl());
        Lifetime.runUntilStopped(app::close);
        return 0;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "this host";
        }
    }
}
