package io.eie.cli;

import io.eie.config.Config;
import java.util.Map;
import java.util.Optional;

/** Reads the configuration from the environment, as every command does first. */
final class Settings {

    /** Exit code of a command started with an invalid configuration (as picocli's for bad usage). */
    static final int INVALID = 2;

    private Settings() {
    }

    /** The configuration, or empty after printing every problem with it. */
    static Optional<Config> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Optional<Config> fromEnvironment(Map<String, String> env) {
        try {
            return Optional.of(Config.fromEnv(env));
        } catch (Config.ConfigException e) {
            System.err.println("The configuration is invalid:");
            e.problems().forEach(problem -> System.err.println("  - " + problem));
            return Optional.empty();
        }
    }
}
