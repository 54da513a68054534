package io.eie.cli;

import io.eie.config.Config;
import java.util.concurrent.Callable;

/**
 * A command that runs on the engine's configuration ({@code serve}, {@code broker},
 * {@code migrate}): it reads the environment first, as one whole configuration, and runs only
 * when that holds; otherwise it prints every problem with it and exits with {@link #INVALID}.
 */
abstract class ConfiguredCommand implements Callable<Integer> {

    /** Exit code of a command started with an invalid configuration or arguments (as picocli's for bad usage). */
    static final int INVALID = 2;

    @Override
    public final Integer call() throws Exception {
        Config config;
        try {
            config = Config.fromEnv(System.getenv());
        } catch (Config.ConfigException e) {
            System.err.println("The configuration is invalid:");
            e.problems().forEach(problem -> System.err.println("  - " + problem));
            return INVALID;
        }
        return run(config);
    }

    /** The command itself, on a configuration that holds; returns the exit code. */
    abstract int run(Config config) throws Exception;
}
