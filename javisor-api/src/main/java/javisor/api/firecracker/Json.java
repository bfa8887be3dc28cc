package javisor.api.firecracker;

import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * JSON as Firecracker's API reads it: snake_case fields, no unknown or repeated fields, no type coercion (a
 * string is not a number, a number not a string or a boolean), nothing after the value. Every refusal is a
 * {@link BadRequest} whose message names the field, in the words of Firecracker's own answer.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** Firecracker's words before a body it could not read. */
    static final String DESERIALIZE_ERROR = "An error occurred when deserializing the json body of a request: ";

    private Json() {
    }

    /** {@code body} as a {@code type}; an empty body is refused as Firecracker refuses it. */
    static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new BadRequest(DESERIALIZE_ERROR + "EOF while parsing a value at line 1 column 0.");
        }
        try (JsonParser p = MAPPER.createParser(body)) {
            T value = MAPPER.readValue(p, type);
            if (value == null) {
                throw new BadRequest(DESERIALIZE_ERROR + "expected an object, got null.");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new BadRequest(DESERIALIZE_ERROR + describe(e) + location(e) + ".");
        } catch (java.io.IOException e) {
            throw new BadRequest(DESERIALIZE_ERROR + e.getMessage() + ".");
        }
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** What was wrong, naming the field where there is one. */
    static String describe(JsonProcessingException e) {
        return switch (e) {
            case UnrecognizedPropertyException u -> "unknown field `" + u.getPropertyName() + "`, expected one of "
                    + u.getKnownPropertyIds().stream().map(id -> "`" + id + "`").sorted()
                    .collect(Collectors.joining(", "));
            case ValueInstantiationException v -> v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage();
            case InvalidFormatException f -> "field `" + field(f) + "`: invalid value " + quoted(f.getValue())
                    + ", expected " + typeName(f.getTargetType());
            case MismatchedInputException m when !field(m).isEmpty() -> "field `" + field(m) + "`: invalid type, expected "
                    + typeName(m.getTargetType());
            case MismatchedInputException m -> "invalid type, expected " + typeName(m.getTargetType());
            case JsonMappingException m when m.getCause() instanceof IllegalArgumentException iae -> iae.getMessage();
            default -> "malformed JSON: " + e.getOriginalMessage();
        };
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
                + e.getLocation().getColumnNr();
    }

    /** The field's path, dotted ({@code rate_limiter.bandwidth.size}), array indexes in brackets. */
    private static String field(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class) {
            return "a string";
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }
}
