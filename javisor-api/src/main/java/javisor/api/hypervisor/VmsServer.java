package javisor.api.hypervisor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import javisor.api.unixsocket.UnixSocketFile;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;
import javisor.vmm.control.JsonViews;
import javisor.vmm.control.VmRefs;

/**
 * Javisor's multi-VM API server: {@link VmsRouter} over HTTP/1.1 on a Unix socket ({@code --api-sock}) and, when
 * asked for ({@code --web}), on a TCP address that also serves the web console. A Unix socket is guarded by its
 * file's permissions; TCP is not, so there every request must carry the token, as {@code Authorization: Bearer
 * TOKEN} or (for the page and its WebSocket, which cannot set headers) {@code ?token=TOKEN}. Request bodies are
 * bounded by {@link #MAX_BODY}; a larger one is refused before it is read.
 */
public final class VmsServer implements AutoCloseable {
    /** The largest request body read: the API's bodies are a few fields. */
    static final int MAX_BODY = 16 * 1024;
    private static final String CONSOLE_PATH = "^/vms/[^/]+/console$";
    private static final Pattern CONSOLE = Pattern.compile(CONSOLE_PATH); // once, not on every request

    /**
     * Where to listen.
     *
     * @param apiSocket the Unix socket of the API (no token), created here; it must not exist yet
     * @param web       the TCP address of the API and the web console (a token on every request)
     * @param token     the web console's token
     */
    public record Settings(Optional<Path> apiSocket, Optional<InetSocketAddress> web, String token) {
        public Settings {
            if (apiSocket.isEmpty() && web.isEmpty()) {
                throw new IllegalArgumentException("the API needs a Unix socket or a web address");
            }
            if (web.isPresent() && token.length() < 16) {
                throw new IllegalArgumentException("the web console's token must have at least 16 characters");
            }
        }

        /** A token of 128 random bits, in hex. */
        public static String newToken() {
            byte[] b = new byte[16];
            new SecureRandom().nextBytes(b);
            return HexFormat.of().formatHex(b);
        }
    }

    private final Server server;
    private final Optional<Path> socket;
    private final Optional<ServerConnector> web;
    private final String token;

    private VmsServer(Server server, Optional<Path> socket, Optional<ServerConnector> web, String token) {
        this.server = server;
        this.socket = socket;
        this.web = web;
        this.token = token;
    }

    /**
     * Starts serving {@code vmm}.
     *
     * @throws IllegalArgumentException naming the socket or address, when it is taken or cannot be bound
     */
    public static VmsServer start(Vmm vmm, Settings settings) {
        Optional<UnixSocketFile> file = settings.apiSocket().map(socket -> UnixSocketFile.claim(socket, ""));
        QueuedThreadPool threads = new QueuedThreadPool(16, 4);
        threads.setName("vms-api");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        UnixDomainServerConnector unix = null;
        if (file.isPresent()) {
            unix = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            unix.setUnixDomainPath(file.get().binding());
            server.addConnector(unix);
        }
        ServerConnector tcp = null;
        if (settings.web().isPresent()) {
            tcp = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            InetSocketAddress a = settings.web().get();
            tcp.setHost(a.getHostString());
            tcp.setPort(a.getPort());
            server.addConnector(tcp);
        }
        VmsRouter router = new VmsRouter(vmm);
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofDays(1)); // a console may sit quiet for hours
            container.setMaxTextMessageSize(MAX_BODY);
            container.setMaxBinaryMessageSize(MAX_BODY);
            container.addMapping(CONSOLE_PATH, (request, response, callback) -> {
                long id = VmRefs.resolve(vmm, VmsRouter.vmRef(request.getHttpURI().getPath()));
                return new ConsoleSocket(vmm.console(id), () -> exists(vmm, id), vmm.vm(id).describe());
            });
        });
        upgrades.setHandler(new Routes(router));
        server.setHandler(new Gate(settings.token(), unix, vmm, upgrades));
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            String where = settings.web().map(a -> "the web address " + a.getHostString() + ":" + a.getPort())
                    .orElse("the API socket " + settings.apiSocket().orElseThrow());
            throw new IllegalArgumentException("cannot listen on " + where + ": " + e.getMessage(), e);
        }
        if (file.isPresent()) {
            try {
                file.get().publish(true); // the socket is the API without a token: only its owner may connect
            } catch (IllegalArgumentException e) {
                stopQuietly(server);
                throw e;
            }
        }
        return new VmsServer(server, settings.apiSocket(), Optional.ofNullable(tcp), settings.token());
    }

    private static boolean exists(Vmm vmm, long id) {
        return vmm.list().stream().anyMatch(v -> v.id() == id);
    }

    /** The API's Unix socket, if it has one. */
    public Optional<Path> apiSocket() {
        return socket;
    }

    /** The web console's address with its token, as a person opens it ({@code http://127.0.0.1:PORT/ui/?token=}). */
    public Optional<URI> webUri() {
        return web.map(c -> URI.create("http://" + hostForUri(c.getHost()) + ":" + c.getLocalPort()
                + "/ui/?token=" + token));
    }

    /** The TCP port actually bound (when {@code --web} asked for port 0), or empty without the web console. */
    public Optional<Integer> webPort() {
        return web.map(ServerConnector::getLocalPort);
    }

    private static String hostForUri(String host) {
        if (host == null || host.isEmpty() || host.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public void close() {
        stopQuietly(server);
        socket.ifPresent(s -> {
            try {
                Files.deleteIfExists(s);
            } catch (IOException ignored) {
                // a socket file left behind only makes the next start on it refuse, naming it
            }
        });
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // stopping is best effort: the process or the test ends next
        }
    }

    static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(new HttpField(HttpHeader.CONTENT_TYPE, contentType));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        // The page and the answers hold live state: never from a cache.
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static void sendJson(Response response, Callback callback, int status, String json) {
        send(response, callback, status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * In front of everything: the token on TCP, and a known VM before a console upgrade (so that a bad id gets the
     * API's 404 rather than a failed handshake).
     */
    private static final class Gate extends Handler.Wrapper {
        private final byte[] token;
        private final Connector unix;
        private final Vmm vmm;

        Gate(String token, Connector unix, Vmm vmm, Handler next) {
            super(next);
            this.token = token.getBytes(StandardCharsets.UTF_8);
            this.unix = unix;
            this.vmm = vmm;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (request.getConnectionMetaData().getConnector() != unix && !authorized(request)) {
                sendJson(response, callback, 401, JsonViews.error("this address needs the web console's token: "
                        + "Authorization: Bearer TOKEN, or ?token=TOKEN"));
                return true;
            }
            String path = request.getHttpURI().getPath();
            if (path != null && CONSOLE.matcher(path).matches()) {
                try {
                    vmm.info(VmRefs.resolve(vmm, VmsRouter.vmRef(path))); // an id must name a VM too
                } catch (VmmException e) {
                    sendJson(response, callback, e.kind() == VmmException.Kind.NOT_FOUND ? 404 : 400,
                            JsonViews.error(e.getMessage()));
                    return true;
                }
            }
            return super.handle(request, response, callback);
        }

        private boolean authorized(Request request) {
            String given = null;
            String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (header != null && header.startsWith("Bearer ")) {
                given = header.substring("Bearer ".length()).trim();
            } else {
                Fields query = Request.extractQueryParameters(request);
                given = query.getValue("token");
            }
            // Compared in constant time: the token is the only thing between a network and the VMs.
            return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The page's files under /ui/, everything else to the router. */
    private static final class Routes extends Handler.Abstract {
        private final VmsRouter router;

        Routes(VmsRouter router) {
            this.router = router;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            String method = request.getMethod();
            if (path == null) {
                path = "/";
            }
            if (path.equals("/") || path.equals("/ui")) {
                String query = request.getHttpURI().getQuery();
                response.setStatus(302);
                response.getHeaders().put(HttpHeader.LOCATION, "/ui/" + (query == null ? "" : "?" + query));
                response.write(true, ByteBuffer.allocate(0), callback);
                return true;
            }
            if (path.startsWith("/ui/")) {
                Optional<WebFiles.File> file = method.equals("GET") ? WebFiles.find(path.substring(4))
                        : Optional.empty();
                if (file.isEmpty()) {
                    sendJson(response, callback, 404, JsonViews.error("no such file: " + path));
                } else {
                    send(response, callback, 200, file.get().contentType(), file.get().bytes());
                }
                return true;
            }
            long declared = request.getLength();
            if (declared > MAX_BODY) {
                sendJson(response, callback, 413, JsonViews.error("the body has " + declared
                        + " bytes; the API takes at most " + MAX_BODY));
                return true;
            }
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readNBytes(MAX_BODY + 1); // one byte more tells a chunked body that is too long
            } catch (IOException e) {
                sendJson(response, callback, 400, JsonViews.error("the body could not be read: " + e.getMessage()));
                return true;
            }
            if (body.length > MAX_BODY) {
                sendJson(response, callback, 413, JsonViews.error("the body is larger than the API's limit of "
                        + MAX_BODY + " bytes"));
                return true;
            }
            Map<String, String> query = new LinkedHashMap<>();
            Request.extractQueryParameters(request).forEach(f -> query.put(f.getName(), f.getValue()));
            VmsRouter.Response r = router.handle(method, path, query, body);
            r.allow().ifPresent(a -> response.getHeaders().put(HttpHeader.ALLOW, a));
            sendJson(response, callback, r.status(), r.body());
            return true;
        }
    }
}
