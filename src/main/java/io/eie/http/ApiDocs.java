package io.eie.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The API's own description: the OpenAPI document (written by hand in {@code openapi.yaml},
 * served as JSON with the engine's version), and Swagger UI to read it, both from the jar.
 * {@code ApiDocsIT} holds the document to the routes the server really has.
 */
final class ApiDocs {

    private static final String BUILD_PROPERTIES = "eie-build.properties";

    private final String document;
    private final String page;

    ApiDocs(ObjectMapper json) {
        try {
            ObjectNode openapi = (ObjectNode) new YAMLMapper().readTree(resource("openapi.yaml"));
            String version = ApiDocs.class.getPackage().getImplementationVersion();
            ((ObjectNode) openapi.get("info")).put("version", version == null ? "development" : version);
            this.document = json.writeValueAsString(openapi);
            this.page = new String(resource("docs/index.html").readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the API documentation in the jar cannot be read", e);
        }
    }

    void document(Context ctx) {
        ctx.contentType("application/json").result(document);
    }

    void page(Context ctx) {
        ctx.html(page);
    }

    /** Where Swagger UI's files are on the classpath: its webjar, of the version the build took. */
    static String swaggerUiDirectory() {
        return webjarDirectory("swagger-ui");
    }

    /** A webjar's files on the classpath, of the version the build took: {@code /META-INF/resources/webjars/uplot/1.6.30}. */
    static String webjarDirectory(String name) {
        Properties build = new Properties();
        try (InputStream in = resource(BUILD_PROPERTIES)) {
            build.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "/META-INF/resources/webjars/" + name + "/" + build.getProperty(name + ".version");
    }

    static InputStream resource(String name) throws IOException {
        InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is missing from the jar");
        }
        return in;
    }
}
