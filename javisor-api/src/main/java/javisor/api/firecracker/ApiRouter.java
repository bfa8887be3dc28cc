package javisor.api.firecracker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javisor.api.firecracker.ApiTypes.ApiError;
import javisor.api.firecracker.ApiTypes.BootSource;
import javisor.api.firecracker.ApiTypes.Drive;
import javisor.api.firecracker.ApiTypes.EntropyDevice;
import javisor.api.firecracker.ApiTypes.FirecrackerVersion;
import javisor.api.firecracker.ApiTypes.InstanceActionInfo;
import javisor.api.firecracker.ApiTypes.MachineConfiguration;
import javisor.api.firecracker.ApiTypes.Metrics;
import javisor.api.firecracker.ApiTypes.NetworkInterface;
import javisor.api.firecracker.ApiTypes.PartialDrive;
import javisor.api.firecracker.ApiTypes.PartialNetworkInterface;
import javisor.api.firecracker.ApiTypes.SerialDevice;
import javisor.api.firecracker.ApiTypes.VmStateRequest;
import javisor.api.firecracker.ApiTypes.Vsock;
import javisor.api.metrics.PrometheusText;
import javisor.sys.Logs;

/**
 * Firecracker's API without the HTTP: a method, a path and a body in, a status and a body out. Every path and
 * method of Firecracker's OpenAPI document is either served here or answered as {@link #UNSUPPORTED} (400, naming
 * what Javisor lacks); anything else gets Firecracker's "Invalid request method and/or path". Bodies are never
 * logged: a client may send secrets in them.
 */
final class ApiRouter {
    /** An answer: {@code body} is empty for 204. */
    record Response(int status, String contentType, byte[] body) {
        static Response noContent() {
            return new Response(204, null, new byte[0]);
        }

        static Response json(int status, Object value) {
            return new Response(status, "application/json", Json.write(value));
        }

        static Response error(int status, String message) {
            return json(status, new ApiError(message));
        }
    }

    /**
     * The document's paths Javisor does not serve, with the reason; {@code FirecrackerApiDocumentTest} checks that
     * this list and the served routes cover the document, and docs/firecracker-api.md lists them.
     */
    static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("/balloon", "Javisor has no virtio-balloon device"),
            Map.entry("/balloon/statistics", "Javisor has no virtio-balloon device"),
            Map.entry("/balloon/hinting/start", "Javisor has no virtio-balloon device"),
            Map.entry("/balloon/hinting/status", "Javisor has no virtio-balloon device"),
            Map.entry("/balloon/hinting/stop", "Javisor has no virtio-balloon device"),
            Map.entry("/cpu-config", "Javisor's CPU models are chosen in its own config ([base] cpu_template)"),
            Map.entry("/pmem/{id}", "Javisor has no virtio-pmem device"),
            Map.entry("/mmds", "Javisor has no MMDS (its virtio-net passes every frame to the tap)"),
            Map.entry("/mmds/config", "Javisor has no MMDS (its virtio-net passes every frame to the tap)"),
            Map.entry("/hotplug/memory", "Javisor has no virtio-mem device"),
            Map.entry("/snapshot/create", "Javisor has no snapshots yet"),
            Map.entry("/snapshot/load", "Javisor has no snapshots yet"));

    /** The served routes: path pattern to methods, as in the document (plus Javisor's GET /metrics). */
    static final Map<String, Set<String>> SERVED = Map.ofEntries(
            Map.entry("/", Set.of("GET")),
            Map.entry("/version", Set.of("GET")),
            Map.entry("/actions", Set.of("PUT")),
            Map.entry("/boot-source", Set.of("PUT")),
            Map.entry("/machine-config", Set.of("GET", "PUT", "PATCH")),
            Map.entry("/drives/{drive_id}", Set.of("PUT", "PATCH")),
            Map.entry("/network-interfaces/{iface_id}", Set.of("PUT", "PATCH")),
            Map.entry("/vsock", Set.of("PUT")),
            Map.entry("/entropy", Set.of("PUT")),
            Map.entry("/serial", Set.of("PUT")),
            Map.entry("/logger", Set.of("PUT")),
            Map.entry("/metrics", Set.of("PUT", "GET")),
            Map.entry("/vm", Set.of("PATCH")),
            Map.entry("/vm/config", Set.of("GET")));

    private static final System.Logger LOG = Logs.get("javisor.api.firecracker");
    private final FirecrackerInstance instance;

    ApiRouter(FirecrackerInstance instance) {
        this.instance = instance;
    }

    Response handle(String method, String target, byte[] body) {
        String path = target;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        List<String> parts = segments(path);
        String route = route(parts);
        String group = switch (method) {
            case "GET" -> "get_api_requests";
            case "PUT" -> "put_api_requests";
            case "PATCH" -> "patch_api_requests";
            default -> null;
        };
        String metric = route == null ? null : metricName(route);
        try {
            if (route == null) {
                throw new BadRequest("Invalid request method and/or path: " + method + " " + path + ".");
            }
            if (UNSUPPORTED.containsKey(route)) {
                throw new BadRequest("Javisor does not support " + method + " " + path + ": " + UNSUPPORTED.get(route)
                        + ".");
            }
            if (!SERVED.get(route).contains(method)) {
                throw new BadRequest("Invalid request method and/or path: " + method + " " + path + ".");
            }
            if (group != null) {
                instance.metrics().count(group, metric + "_count");
            }
            Response r = serve(method, route, parts, body);
            LOG.log(System.Logger.Level.DEBUG, () -> method + " " + target + " -> " + r.status());
            return r;
        } catch (BadRequest e) {
            if (group != null && metric != null) {
                instance.metrics().count(group, metric + "_fails");
            }
            LOG.log(System.Logger.Level.INFO, () -> method + " " + target + " -> 400: " + e.getMessage());
            return Response.error(400, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, method + " " + target + " failed", e);
            return Response.error(500, "Internal error: " + e);
        }
    }

    private Response serve(String method, String route, List<String> parts, byte[] body) {
        String key = method + " " + route;
        return switch (key) {
            case "GET /" -> Response.json(200, instance.info());
            case "GET /version" -> Response.json(200, new FirecrackerVersion(FirecrackerInstance.FIRECRACKER_API_VERSION));
            case "GET /machine-config" -> Response.json(200, instance.machineConfig());
            case "GET /vm/config" -> Response.json(200, instance.fullConfig());
            case "GET /metrics" -> new Response(200, PrometheusText.CONTENT_TYPE,
                    PrometheusText.render(instance.sample().stream().toList()).getBytes(StandardCharsets.UTF_8));
            case "PUT /machine-config" -> done(() -> instance.putMachineConfig(read(body, MachineConfiguration.class)));
            case "PATCH /machine-config" -> done(() -> instance.patchMachineConfig(read(body,
                    MachineConfiguration.class)));
            case "PUT /boot-source" -> done(() -> instance.putBootSource(read(body, BootSource.class)));
            case "PUT /drives/{drive_id}" -> done(() -> instance.putDrive(parts.get(1), read(body, Drive.class)));
            case "PATCH /drives/{drive_id}" -> done(() -> instance.patchDrive(parts.get(1),
                    read(body, PartialDrive.class)));
            case "PUT /network-interfaces/{iface_id}" -> done(() -> instance.putNetworkInterface(parts.get(1),
                    read(body, NetworkInterface.class)));
            case "PATCH /network-interfaces/{iface_id}" -> done(() -> instance.patchNetworkInterface(parts.get(1),
                    read(body, PartialNetworkInterface.class)));
            case "PUT /vsock" -> done(() -> instance.putVsock(read(body, Vsock.class)));
            case "PUT /entropy" -> done(() -> instance.putEntropy(read(body, EntropyDevice.class)));
            case "PUT /serial" -> done(() -> instance.putSerial(read(body, SerialDevice.class)));
            case "PUT /logger" -> done(() -> instance.putLogger(read(body, ApiTypes.Logger.class)));
            case "PUT /metrics" -> done(() -> instance.putMetrics(read(body, Metrics.class)));
            case "PATCH /vm" -> done(() -> {
                switch (read(body, VmStateRequest.class).state()) {
                    case "Paused" -> instance.pause();
                    default -> instance.resume();
                }
            });
            case "PUT /actions" -> done(() -> {
                switch (read(body, InstanceActionInfo.class).actionType()) {
                    case "InstanceStart" -> instance.start();
                    case "SendCtrlAltDel" -> instance.sendCtrlAltDel();
                    default -> instance.flushMetrics();
                }
            });
            default -> throw new IllegalStateException("no handler for " + key);
        };
    }

    private static <T> T read(byte[] body, Class<T> type) {
        return Json.read(body, type);
    }

    private static Response done(Runnable action) {
        action.run();
        return Response.noContent();
    }

    /** Firecracker's metric names for a route: {@code /boot-source} counts as {@code boot_source}. */
    private static String metricName(String route) {
        return switch (route) {
            case "/" -> "instance_info";
            case "/version" -> "vmm_version";
            case "/machine-config" -> "machine_cfg";
            case "/drives/{drive_id}" -> "drive";
            case "/network-interfaces/{iface_id}" -> "network";
            case "/vm/config" -> "vm_config";
            default -> route.substring(1).replace('/', '_').replace('-', '_').replace("{id}", "id");
        };
    }

    private static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts;
    }

    /** The document's path pattern that {@code parts} matches, or null. */
    static String route(List<String> parts) {
        if (parts.isEmpty()) {
            return "/";
        }
        String first = parts.getFirst();
        if (parts.size() == 2) {
            switch (first) {
                case "drives" -> {
                    return "/drives/{drive_id}";
                }
                case "network-interfaces" -> {
                    return "/network-interfaces/{iface_id}";
                }
                case "pmem" -> {
                    return "/pmem/{id}";
                }
                default -> {
                }
            }
        }
        String joined = "/" + String.join("/", parts);
        return SERVED.containsKey(joined) || UNSUPPORTED.containsKey(joined) ? joined : null;
    }
}
