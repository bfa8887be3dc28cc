package javisor.api.firecracker;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks JSON against a schema of an OpenAPI 2.0 document: the subset Firecracker's uses ($ref, object with
 * properties and required, array items, string enums, integer minimum and maximum, boolean). Stricter than the
 * document on one point: a field not among an object's properties is reported, so that an answer holds nothing
 * a client's generated model would not know.
 */
public final class SchemaCheck {
    private final JsonNode definitions;

    public SchemaCheck(JsonNode document) {
        this.definitions = document.get("definitions");
    }

    /** The problems found, each naming where in the value it is; empty when the value conforms. */
    public List<String> problems(JsonNode value, JsonNode schema) {
        List<String> out = new ArrayList<>();
        check(value, schema, "$", out);
        return out;
    }

    private void check(JsonNode value, JsonNode schema, String at, List<String> out) {
        if (schema.has("$ref")) {
            String name = schema.get("$ref").asText().replace("#/definitions/", "");
            check(value, definitions.get(name), at, out);
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    out.add(at + ": expected an object, got " + value);
                    return;
                }
                JsonNode props = schema.path("properties");
                for (JsonNode req : schema.path("required")) {
                    if (!value.has(req.asText())) {
                        out.add(at + ": missing required field " + req.asText());
                    }
                }
                Iterator<Map.Entry<String, JsonNode>> fields = value.properties().iterator();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    if (props.has(f.getKey())) {
                        check(f.getValue(), props.get(f.getKey()), at + "." + f.getKey(), out);
                    } else if (!schema.has("additionalProperties")) {
                        out.add(at + ": field " + f.getKey() + " is not in the schema");
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    out.add(at + ": expected an array, got " + value);
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), schema.get("items"), at + "[" + i + "]", out);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    out.add(at + ": expected a string, got " + value);
                } else if (schema.has("enum")) {
                    List<String> allowed = new ArrayList<>();
                    schema.get("enum").forEach(e -> allowed.add(e.asText()));
                    if (!allowed.contains(value.asText())) {
                        out.add(at + ": " + value + " is not one of " + allowed);
                    }
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    out.add(at + ": expected an integer, got " + value);
                } else if (schema.has("minimum") && value.asLong() < schema.get("minimum").asLong()
                        || schema.has("maximum") && value.asLong() > schema.get("maximum").asLong()) {
                    out.add(at + ": " + value + " is out of the schema's range");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    out.add(at + ": expected a boolean, got " + value);
                }
            }
            default -> {
                // no type: anything goes (the document's InstanceInfo.state has an enum and no type)
                if (schema.has("enum") && value.isTextual()) {
                    List<String> allowed = new ArrayList<>();
                    schema.get("enum").forEach(e -> allowed.add(e.asText()));
                    if (!allowed.contains(value.asText())) {
                        out.add(at + ": " + value + " is not one of " + allowed);
                    }
                }
            }
        }
    }
}
