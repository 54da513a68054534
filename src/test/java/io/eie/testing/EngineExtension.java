package io.eie.testing;

import io.eie.process.EngineProcess;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Hands integration tests their infrastructure as parameters, as Jdbi's {@code JdbiExtension}
 * hands out {@code Jdbi} and {@code Handle}: a {@link TestDatabase} of their own, a
 * {@link TestEngine} running on it in the test's JVM, or an {@link EngineProcess} running on it as
 * users start it. All of it comes from {@link TestInfrastructure}: the PostgreSQL and broker named
 * by {@code EIE_TEST_DATABASE_URL} and {@code EIE_TEST_MQTT_URL}, else embedded ones.
 *
 * <p>Scope: what a constructor or a {@code @BeforeAll} or {@code @AfterAll} method asks for
 * belongs to the test class: started when first asked for, shared by all its tests, closed after
 * the last of them (after the class's {@code @AfterAll} methods). What a test method or a
 * {@code @BeforeEach} or {@code @AfterEach} method asks for belongs to that one test (each
 * invocation of a parameterized test is one): its own, closed after it. A scope has one database,
 * and its engine, in the JVM or as a process, runs on that database with a topic prefix of its
 * own. A database is dropped when the test run ends.
 *
 * <p>{@code @ExtendWith(EngineExtension.class)} starts engines with the settings every test
 * engine has ({@link TestEngine#environment(TestDatabase)}). A class whose engines need more
 * registers the extension in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EngineExtension engines = EngineExtension.withSettings(Map.of("EIE_API_TOKEN", TOKEN));
 * }</pre>
 */
public final class EngineExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {

    private final Supplier<Map<String, String>> settings;

    /** Engines with the settings every test engine has. */
    public EngineExtension() {
        this(Map::of);
    }

    private EngineExtension(Supplier<Map<String, String>> settings) {
        this.settings = settings;
    }

    /** Engines with these {@code EIE_*} settings on top of the test ones. */
    public static EngineExtension withSettings(Map<String, String> settings) {
        Map<String, String> copy = Map.copyOf(settings);
        return new EngineExtension(() -> copy);
    }

    /**
     * Engines with the {@code EIE_*} settings {@code settings} gives when an engine starts, such as
     * the address of a broker that the class's {@code @BeforeAll} started.
     */
    public static EngineExtension withSettings(Supplier<Map<String, String>> settings) {
        return new EngineExtension(settings);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestDatabase.class || type == TestEngine.class || type == EngineProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext scope = scope(parameter, context);
        Store store = store(scope);
        Class<?> type = parameter.getParameter().getType();
        TestDatabase database = store.get(TestDatabase.class, TestDatabase.class);
        if (database == null) {
            database = TestInfrastructure.get().newDatabase();
            store.put(TestDatabase.class, database);
        }
        if (type == TestEngine.class) {
            TestEngine engine = store.get(TestEngine.class, TestEngine.class);
            if (engine == null) {
                engine = TestEngine.start(database, settings.get());
                store.put(TestEngine.class, engine);
            }
            return engine;
        }
        if (type == EngineProcess.class) {
            EngineProcess engine = store.get(EngineProcess.class, EngineProcess.class);
            if (engine == null) {
                Map<String, String> env = TestEngine.environment(database);
                env.putAll(settings.get());
                engine = EngineJar.start(logName(scope), env);
                store.put(EngineProcess.class, engine);
            }
            return engine;
        }
        return database;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeEngines(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeEngines(context);
    }

    /** The class's context for a constructor, {@code @BeforeAll} and {@code @AfterAll}; the test's for the rest. */
    private static ExtensionContext scope(ParameterContext parameter, ExtensionContext context) {
        Executable executable = parameter.getDeclaringExecutable();
        boolean classWide = executable instanceof Constructor
                || AnnotationSupport.isAnnotated(executable, BeforeAll.class)
                || AnnotationSupport.isAnnotated(executable, AfterAll.class);
        ExtensionContext scope = context;
        while (classWide && scope.getTestMethod().isPresent()) {
            scope = scope.getParent().orElseThrow();
        }
        return scope;
    }

    /**
     * What this scope holds, and only it: a store of its own, as a test's store would otherwise
     * also answer with what its class holds.
     */
    private static Store store(ExtensionContext scope) {
        return scope.getStore(Namespace.create(EngineExtension.class, scope.getUniqueId()));
    }

    /** {@code target/<TestClass>.log}, or {@code target/<TestClass>-<test>.log} for a test's own engine. */
    private static String logName(ExtensionContext scope) {
        String testClass = scope.getRequiredTestClass().getSimpleName();
        return scope.getTestMethod().map(method -> testClass + "-" + method.getName()).orElse(testClass);
    }

    /**
     * Closes the engines of this scope here rather than leaving them to the store, so that they
     * stop before what extensions registered earlier close, such as a {@code @AutoClose} broker
     * they are connected to.
     */
    private static void closeEngines(ExtensionContext scope) {
        Store store = store(scope);
        TestEngine engine = store.remove(TestEngine.class, TestEngine.class);
        EngineProcess process = store.remove(EngineProcess.class, EngineProcess.class);
        try {
            if (engine != null) {
                engine.close();
            }
        } finally {
            if (process != null) {
                process.close();
            }
        }
    }
}
