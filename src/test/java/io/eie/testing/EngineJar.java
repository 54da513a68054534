package io.eie.testing;

import io.eie.process.EngineProcess;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How the tests start the engine as a process: {@code java -jar target/eie.jar} once the jar is
 * built, the test classpath before that, with a heap of 512 MB and a log in {@code target/}.
 */
public final class EngineJar {

    private EngineJar() {
    }

    /**
     * Starts the engine with these {@code EIE_*} variables (and none inherited), logging to
     * {@code target/<name>.log}, and waits until it reports ready.
     */
    public static EngineProcess start(String name, Map<String, String> env) {
        return EngineProcess.start(command(), env, Path.of("target", name + ".log"), Duration.ofSeconds(60));
    }

    /** Runs {@code eie <args>} with these {@code EIE_*} variables (and none inherited) to its end. */
    public static EngineProcess.Finished run(Map<String, String> env, String... args) {
        return EngineProcess.run(command(args), env, Duration.ofSeconds(120));
    }

    /** {@code java -jar target/eie.jar <args>} once the jar is built; the test classpath before that. */
    public static List<String> command(String... args) {
        File jar = new File("target/eie.jar");
        List<String> launch = jar.isFile() ? List.of("-jar", jar.getPath())
                : List.of("-cp", System.getProperty("java.class.path"), "io.eie.Main");
        return EngineProcess.java(List.of("-Xmx512m"), launch, List.of(args));
    }
}
