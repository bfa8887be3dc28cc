package javisor.api.firecracker;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.InputStream;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import javisor.api.unixsocket.UnixSocketFile;

/**
 * Firecracker's API socket: Jetty's HTTP/1.1 on a Unix-domain socket, each request handed to {@link ApiRouter}.
 * Bodies are bounded ({@code --http-api-max-payload-size}, Firecracker's 51200 bytes by default): a larger one is
 * refused before it is read. Requests are served one at a time, as Firecracker's single API thread does.
 */
final class ApiServer implements AutoCloseable {
    /** Firecracker's default bound on a request body. */
    static final int DEFAULT_MAX_PAYLOAD = 51_200;

    private final Server server;
    private final Path socket;

    private ApiServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /** Why an existing socket path is refused rather than taken over (Firecracker's rule). */
    private static final String NOT_TAKEN_OVER = " (a second process on one socket would answer for the wrong VM)";

    /**
     * Listens on {@code socket}, which must not exist yet (as Firecracker, which refuses to take over a path).
     *
     * @throws IllegalArgumentException naming the socket, when it exists or cannot be bound
     */
    static ApiServer start(Path socket, ApiRouter router, int maxPayload) {
        UnixSocketFile file = UnixSocketFile.claim(socket, NOT_TAKEN_OVER);
        // Few threads: one acceptor, one selector, and the handler; Jetty's default pool starts eight.
        QueuedThreadPool threads = new QueuedThreadPool(6, 3);
        threads.setName("api");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1,
                new HttpConnectionFactory(http));
        connector.setUnixDomainPath(file.binding());
        server.addConnector(connector);
        Object lock = new Object();
        // A blocking handler: InstanceStart and Paused take a while, and Jetty then runs it on a pool thread.
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String method = request.getMethod();
                String target = request.getHttpURI().getPathQuery();
                long declared = request.getLength();
                ApiRouter.Response r;
                if (declared > maxPayload) {
                    r = ApiRouter.Response.error(400, "Request payload with size " + declared
                            + " is larger than the limit of " + maxPayload + " allowed by server.");
                } else {
                    byte[] body;
                    try (InputStream in = Content.Source.asInputStream(request)) {
                        body = in.readNBytes(maxPayload + 1); // one byte more tells a chunked body that is too long
                    } catch (IOException e) {
                        body = null;
                    }
                    if (body != null && body.length > maxPayload) {
                        r = ApiRouter.Response.error(400, "Request payload is larger than the limit of " + maxPayload
                                + " allowed by server.");
                    } else if (body == null) {
                        r = ApiRouter.Response.error(400, "The request's body could not be read.");
                    } else {
                        synchronized (lock) {
                            r = router.handle(method, target, body);
                        }
                    }
                }
                send(response, callback, r);
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start's failure is what the caller needs to know
            }
            throw new IllegalArgumentException("cannot listen on the API socket " + socket + ": " + e.getMessage(), e);
        }
        try {
            file.publish(false);
        } catch (IllegalArgumentException e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // the rename's failure is what the caller needs to know
            }
            throw e;
        }
        return new ApiServer(server, socket);
    }

    /**
     * Checks that {@code socket} does not exist yet, as Firecracker refuses to take over a path, and that its
     * folder does.
     *
     * @throws IllegalArgumentException naming the socket, when it exists or its folder does not
     */
    static void checkFree(Path socket) {
        UnixSocketFile.claim(socket, NOT_TAKEN_OVER);
    }

    private static void send(Response response, Callback callback, ApiRouter.Response r) {
        response.setStatus(r.status());
        if (r.contentType() != null) {
            response.getHeaders().put(new HttpField(HttpHeader.CONTENT_TYPE, r.contentType()));
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body().length);
        response.write(true, ByteBuffer.wrap(r.body()), callback);
    }

    Path socket() {
        return socket;
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort: the process ends next
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // a socket file left behind only makes the next start on it refuse, naming it
        }
    }
}
