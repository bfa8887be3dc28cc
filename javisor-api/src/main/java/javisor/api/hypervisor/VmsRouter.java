package javisor.api.hypervisor;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javisor.vm.VmCreateException;
import javisor.vm.config.ConfigException;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;
import javisor.vmm.control.ConfigOverrides;
import javisor.vmm.control.JsonViews;
import javisor.vmm.control.VmOperations;

/**
 * Javisor's own multi-VM API without the HTTP: a method, a path, a query and a body in, a status and JSON out.
 * Every operation goes through {@link VmOperations}, as the shell's {@code vm} commands do, so both act alike and
 * refuse with the same message; the refusal's kind gives the status (404 no such VM, 409 wrong state, 400 bad
 * value). The routes are listed in {@link #ROUTES}, which a test holds against docs/javisor-api.yaml.
 */
final class VmsRouter {
    /** The served paths and their methods, as the OpenAPI document lists them. */
    static final Map<String, Set<String>> ROUTES = Map.of(
            "/vms", Set.of("GET", "POST"),
            "/vms/{id}", Set.of("GET", "DELETE"),
            "/vms/{id}/start", Set.of("POST"),
            "/vms/{id}/stop", Set.of("POST"),
            "/vms/{id}/suspend", Set.of("POST"),
            "/vms/{id}/resume", Set.of("POST"),
            "/vms/{id}/restart", Set.of("POST"),
            "/vms/{id}/stats", Set.of("GET"),
            "/vms/{id}/console", Set.of("GET"),
            "/ivc", Set.of("GET"));

    private static final Pattern VM_PATH = Pattern.compile("/vms/([^/]+)(?:/([a-z]+))?");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code vm stop -g}'s default wait. */
    private static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(30);

    /** An answer; {@code allow} is set for 405. */
    record Response(int status, String body, Optional<String> allow) {
        static Response ok(String json) {
            return new Response(200, json, Optional.empty());
        }

        static Response error(int status, String message) {
            return new Response(status, JsonViews.error(message), Optional.empty());
        }

        byte[] bytes() {
            return body.getBytes(StandardCharsets.UTF_8);
        }
    }

    private final Vmm vmm;
    private final VmOperations ops;

    VmsRouter(Vmm vmm) {
        this.vmm = vmm;
        this.ops = new VmOperations(vmm);
    }

    /** The route pattern {@code path} falls under, or empty (for the 404 and 405 answers, and tests). */
    static Optional<String> route(String path) {
        if (ROUTES.containsKey(path)) {
            return Optional.of(path);
        }
        Matcher m = VM_PATH.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        String pattern = m.group(2) == null ? "/vms/{id}" : "/vms/{id}/" + m.group(2);
        return ROUTES.containsKey(pattern) ? Optional.of(pattern) : Optional.empty();
    }

    Response handle(String method, String path, Map<String, String> query, byte[] body) {
        Optional<String> route = route(path);
        if (route.isEmpty()) {
            return Response.error(404, "no such path: " + path);
        }
        Set<String> methods = ROUTES.get(route.get());
        if (!methods.contains(method)) {
            return new Response(405, JsonViews.error(method + " is not served on " + route.get() + " (only "
                    + String.join(", ", methods.stream().sorted().toList()) + ")"),
                    Optional.of(String.join(", ", methods.stream().sorted().toList())));
        }
        try {
            return dispatch(method, route.get(), path, query, body);
        } catch (BadRequest e) {
            return Response.error(400, e.getMessage());
        } catch (VmmException e) {
            return Response.error(switch (e.kind()) {
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
                case INVALID -> 400;
            }, e.getMessage());
        } catch (ConfigException | VmCreateException e) {
            return Response.error(400, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Response.error(503, "the hypervisor is shutting down");
        } catch (RuntimeException e) {
            return Response.error(500, "internal error: " + e);
        }
    }

    private Response dispatch(String method, String route, String path, Map<String, String> query, byte[] body)
            throws InterruptedException {
        String ref = route.startsWith("/vms/{id}") ? vmRef(path) : "";
        return switch (route) {
            case "/vms" -> method.equals("GET")
                    ? Response.ok(JsonViews.vms(ops.list(flag(query, "all"))))
                    : create(Fields.of(body, Set.of("config_path", "name", "cpus", "memory_mib", "replace", "start")));
            case "/vms/{id}" -> method.equals("GET") ? Response.ok(JsonViews.vm(ops.info(ref)))
                    : done(ops.delete(ref, flag(query, "force"), flag(query, "keep_data")), true);
            case "/vms/{id}/start" -> {
                Fields.of(body, Set.of());
                yield done(ops.start(ref), false);
            }
            case "/vms/{id}/stop" -> {
                Fields f = Fields.of(body, Set.of("force", "graceful", "timeout_s"));
                if (f.has("timeout_s") && !f.bool("graceful")) {
                    throw new BadRequest("field 'timeout_s' goes with \"graceful\": true");
                }
                yield done(f.bool("graceful")
                        ? ops.stopGracefully(ref, f.seconds("timeout_s").orElse(GRACEFUL_TIMEOUT))
                        : ops.stop(ref, f.bool("force")), false);
            }
            case "/vms/{id}/suspend" -> {
                Fields.of(body, Set.of());
                yield done(ops.suspend(ref), false);
            }
            case "/vms/{id}/resume" -> {
                Fields.of(body, Set.of());
                yield done(ops.resume(ref), false);
            }
            case "/vms/{id}/restart" -> done(ops.restart(ref, Fields.of(body, Set.of("force")).bool("force")), false);
            case "/vms/{id}/stats" -> Response.ok(JsonViews.stats(ops.info(ref)));
            // Reached only without an Upgrade header: VmsServer upgrades the real ones before routing.
            case "/vms/{id}/console" -> {
                ops.resolve(ref);
                yield Response.error(400, "the console is a WebSocket: connect with an Upgrade: websocket request");
            }
            case "/ivc" -> Response.ok(JsonViews.ivc(vmm.ivcChannels()));
            default -> throw new IllegalStateException("route without a handler: " + route);
        };
    }

    private Response create(Fields f) {
        String file = f.text("config_path").orElseThrow(() -> new BadRequest("field 'config_path' is required"));
        ConfigOverrides overrides = new ConfigOverrides(f.text("name"),
                f.integer("cpus").map(n -> OptionalInt.of(n.intValue())).orElse(OptionalInt.empty()),
                f.integer("memory_mib").map(OptionalLong::of).orElse(OptionalLong.empty()));
        Path config;
        try {
            config = Path.of(file);
        } catch (InvalidPathException e) {
            throw new BadRequest("field 'config_path' is not a path: " + e.getReason());
        }
        List<VmOperations.Done> done = f.bool("start") ? ops.createAndStart(config, overrides, f.bool("replace"))
                : ops.create(config, overrides, f.bool("replace"));
        VmOperations.Done last = done.getLast();
        String message = String.join("; ", done.stream().map(VmOperations.Done::message).toList());
        return new Response(201, JsonViews.done(message, vmm.info(last.id())), Optional.empty());
    }

    /** The answer to a lifecycle operation: the shell's line and the VM as it is now (as it was, once deleted). */
    private Response done(VmOperations.Done d, boolean deleted) {
        if (deleted) {
            return Response.ok(JsonViews.message(d.message()));
        }
        return Response.ok(JsonViews.done(d.message(), vmm.info(d.id())));
    }

    /** The VM word of a {@code /vms/{id}...} path, URL-decoded. */
    static String vmRef(String path) {
        Matcher m = VM_PATH.matcher(path);
        if (!m.matches()) {
            throw new IllegalStateException(path);
        }
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private static boolean flag(Map<String, String> query, String name) {
        String v = query.get(name);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "true", "1", "" -> true;
            case "false", "0" -> false;
            default -> throw new BadRequest("query parameter '" + name + "' must be true or false, got '" + v + "'");
        };
    }

    /** A request the client got wrong; the message names the field. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** A request body: a JSON object (or nothing) with only the fields a route knows, each of the right type. */
    record Fields(JsonNode object) {
        static Fields of(byte[] body, Set<String> known) {
            if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
                return new Fields(JSON.createObjectNode());
            }
            JsonNode node;
            try {
                node = JSON.readTree(body);
            } catch (JacksonException e) {
                throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage() + " (line "
                        + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            } catch (IOException e) {
                throw new BadRequest("the body could not be read: " + e.getMessage());
            }
            if (node == null || !node.isObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            List<String> unknown = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                throw new BadRequest("unknown field '" + unknown.getFirst() + "'" + (known.isEmpty()
                        ? " (this request takes no fields)"
                        : " (known: " + String.join(", ", known.stream().sorted().toList()) + ")"));
            }
            return new Fields(node);
        }

        boolean has(String name) {
            return object.has(name) && !object.get(name).isNull();
        }

        boolean bool(String name) {
            if (!has(name)) {
                return false;
            }
            JsonNode v = object.get(name);
            if (!v.isBoolean()) {
                throw wrongType(name, "a boolean", v);
            }
            return v.booleanValue();
        }

        Optional<String> text(String name) {
            if (!has(name)) {
                return Optional.empty();
            }
            JsonNode v = object.get(name);
            if (!v.isTextual()) {
                throw wrongType(name, "a string", v);
            }
            return Optional.of(v.textValue());
        }

        Optional<Long> integer(String name) {
            if (!has(name)) {
                return Optional.empty();
            }
            JsonNode v = object.get(name);
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
                throw wrongType(name, "a positive integer", v);
            }
            return Optional.of(v.longValue());
        }

        Optional<Duration> seconds(String name) {
            if (!has(name)) {
                return Optional.empty();
            }
            JsonNode v = object.get(name);
            if (!v.isNumber() || v.doubleValue() <= 0 || v.doubleValue() > 86_400) {
                throw wrongType(name, "a number of seconds above 0 and at most 86400", v);
            }
            return Optional.of(Duration.ofMillis(Math.round(v.doubleValue() * 1000)));
        }

        private static BadRequest wrongType(String name, String what, JsonNode v) {
            String shown = v.toString();
            if (shown.length() > 40) {
                shown = shown.substring(0, 40) + "...";
            }
            return new BadRequest("field '" + name + "' must be " + what + ", got " + shown);
        }
    }
}
