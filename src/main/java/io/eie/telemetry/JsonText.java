package io.eie.telemetry;

import com.fasterxml.jackson.databind.JsonNode;

/** Bytes read as JSON: a tree, or why they are not JSON. */
public sealed interface JsonText permits JsonText.Tree, JsonText.Malformed {

    record Tree(JsonNode root) implements JsonText {
    }

    record Malformed(String reason) implements JsonText {
    }
}
