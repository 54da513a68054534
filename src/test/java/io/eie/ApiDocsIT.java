package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The OpenAPI document at /openapi.json against the server that serves it, and Swagger UI at /docs. */
class ApiDocsIT {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}]+)}");
    private static JsonNode document;

    // the examples carry fixed dates (2026-02-10): a retention of ten years keeps them acceptable
    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(Map.of("EIE_RETENTION", "3650d"));

    private final TestEngine engine;

    ApiDocsIT(TestEngine engine) {
        this.engine = engine;
    }

    @BeforeAll
    static void readTheDocument(TestEngine engine) {
        document = engine.get("/openapi.json").json();
    }

    @Test
    void documents_every_route_the_server_has_and_no_other() {
        Set<String> documented = new TreeSet<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                documented.add(method.toUpperCase() + " " + path.getKey());
            }
        }));

        assertThat(documented).containsExactlyInAnyOrderElementsOf(engine.app().httpRoutes());
    }

    @Test
    void is_openapi_3_whose_references_all_resolve() {
        assertThat(document.get("openapi").asText()).startsWith("3.");
        assertThat(document.at("/info/title").asText()).isEqualTo("Energy Ingestion Engine");
        List<String> references = new ArrayList<>();
        collectReferences(document, references);
        assertThat(references).isNotEmpty().allSatisfy(reference ->
                assertThat(document.at(reference.substring(1)).isMissingNode()).as(reference).isFalse());
    }

    @Test
    void every_request_example_is_accepted_by_the_real_endpoint() {
        List<String> tried = new ArrayList<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            JsonNode examples = operation.getValue().at("/requestBody/content/application~1json/examples");
            for (Iterator<Map.Entry<String, JsonNode>> it = examples.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> example = it.next();
                String uri = withExampleParameters(path.getKey(), path.getValue(), operation.getValue());
                var response = engine.send(engine.request(uri)
                        .header("Content-Type", "application/json")
                        .method(operation.getKey().toUpperCase(),
                                HttpRequest.BodyPublishers.ofString(example.getValue().get("value").toString()))
                        .build());
                assertThat(response.status()).as("%s %s, example %s: %s", operation.getKey(), uri, example.getKey(),
                        response.raw().body()).isEqualTo(200);
                if (response.json().has("rejected")) {
                    assertThat(response.json().get("rejected").asInt()).as(example.getKey()).isZero();
                }
                tried.add(operation.getKey() + " " + path.getKey() + " " + example.getKey());
            }
        }));

        assertThat(tried).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void serves_swagger_ui_from_the_jar() {
        var page = engine.get("/docs");
        var bundle = engine.get("/docs/assets/swagger-ui-bundle.js");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.raw().body()).contains("/docs/assets/swagger-ui-bundle.js", "url: \"/openapi.json\"")
                .doesNotContain("https://");
        assertThat(bundle.status()).isEqualTo(200);
        assertThat(bundle.raw().body()).contains("SwaggerUIBundle");
        assertThat(engine.get("/docs/assets/swagger-ui.css").status()).isEqualTo(200);
    }

    @Test
    void serves_the_dashboard_and_its_chart_library_from_the_jar() {
        var page = engine.get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.raw().body()).contains("/dashboard/dashboard.js", "/dashboard/vendor/uplot/dist/uPlot.iife.min.js")
                .doesNotContain("https://", "http://");
        assertThat(engine.get("/dashboard/vendor/uplot/dist/uPlot.iife.min.js").raw().body()).contains("uPlot");
        assertThat(engine.get("/dashboard/dashboard.js").raw().body()).contains("/v1/analytics/fleet/efficiency");
        assertThat(engine.get("/dashboard/no-such-file.js").status()).isEqualTo(404);
    }

    /** The path with each {parameter} replaced by the example its declaration gives. */
    private static String withExampleParameters(String path, JsonNode pathItem, JsonNode operation) {
        Matcher matcher = PATH_PARAMETER.matcher(path);
        StringBuilder uri = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String example = null;
            for (JsonNode declared : iterable(pathItem.path("parameters"), operation.path("parameters"))) {
                JsonNode parameter = declared.has("$ref") ? document.at(declared.get("$ref").asText().substring(1)) : declared;
                if (parameter.path("name").asText().equals(name)) {
                    example = parameter.path("example").asText();
                }
            }
            assertThat(example).as("the example of path parameter %s of %s", name, path).isNotBlank();
            matcher.appendReplacement(uri, example);
        }
        matcher.appendTail(uri);
        return uri.toString();
    }

    private static List<JsonNode> iterable(JsonNode... arrays) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode array : arrays) {
            array.forEach(all::add);
        }
        return all;
    }

    private static void collectReferences(JsonNode node, List<String> references) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("$ref")) {
                    references.add(field.getValue().asText());
                } else {
                    collectReferences(field.getValue(), references);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, references));
        }
    }
}
