package javisor.api.hypervisor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

import javisor.sys.Logs;
import javisor.vmm.VmConsole;

/**
 * One browser's (or program's) connection to a VM's serial console over a WebSocket: the guest's output goes out
 * as binary frames, the recent output first; text and binary frames that come in are typed into the guest.
 * The guest's output arrives on its vCPU thread, which must never wait for a network: it lands in a bounded buffer
 * (what overflows it is dropped and counted, as a slow terminal would lose it), and a virtual thread of this
 * connection sends it, so a frame carries whatever piled up during the previous send. Public only because Jetty
 * calls the listener's methods through a public lookup; it is made by {@link VmsServer} alone.
 */
public final class ConsoleSocket extends Session.Listener.AbstractAutoDemanding {
    private static final System.Logger LOG = Logs.get("javisor.api");
    /** What a connection may owe the network before output is dropped. */
    static final int BUFFER_BYTES = 64 * 1024;
    /** How often the sender checks that the VM still exists when the guest is quiet. */
    private static final long CHECK_MILLIS = 1000;

    private final VmConsole console;
    private final BooleanSupplier vmExists;
    private final String vmName;
    private final Object lock = new Object();
    private final byte[] pending = new byte[BUFFER_BYTES]; // guarded by lock
    private int pendingLength; // guarded by lock
    private long dropped; // guarded by lock
    private boolean closed; // guarded by lock
    private VmConsole.Attachment attachment;

    ConsoleSocket(VmConsole console, BooleanSupplier vmExists, String vmName) {
        this.console = console;
        this.vmExists = vmExists;
        this.vmName = vmName;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        super.onWebSocketOpen(session);
        try {
            attachment = console.attach(new OutputStream() {
                @Override
                public void write(int b) {
                    take(b);
                }
            }, true);
        } catch (IOException e) {
            session.close(StatusCode.SERVER_ERROR, "cannot attach to the console", Callback.NOOP);
            return;
        }
        Thread.ofVirtual().name("console socket " + vmName).start(() -> pump(session));
    }

    /** On the vCPU thread: never blocks beyond the lock, never allocates. */
    private void take(int b) {
        synchronized (lock) {
            if (pendingLength == pending.length) {
                dropped++;
                return;
            }
            pending[pendingLength++] = (byte) b;
            if (pendingLength == 1) {
                lock.notifyAll();
            }
        }
    }

    private void pump(Session session) {
        try {
            while (true) {
                byte[] frame;
                synchronized (lock) {
                    while (pendingLength == 0 && !closed) {
                        lock.wait(CHECK_MILLIS);
                        if (pendingLength == 0 && !closed && !vmExists.getAsBoolean()) {
                            session.close(StatusCode.NORMAL, vmName + " was deleted", Callback.NOOP);
                            closed = true;
                        }
                    }
                    if (closed) {
                        return;
                    }
                    frame = Arrays.copyOf(pending, pendingLength);
                    pendingLength = 0;
                }
                Callback.Completable sent = new Callback.Completable();
                session.sendBinary(ByteBuffer.wrap(frame), sent);
                sent.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "console socket of " + vmName + " ended: " + e);
        } finally {
            detach();
        }
    }

    @Override
    public void onWebSocketText(String text) {
        type(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        type(bytes);
        callback.succeed();
    }

    private void type(byte[] bytes) {
        try {
            console.type(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        detach();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        detach();
    }

    private void detach() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
            if (dropped > 0) {
                LOG.log(System.Logger.Level.INFO, "console socket of " + vmName + ": " + dropped
                        + " bytes of output dropped (the client read too slowly)");
                dropped = 0;
            }
        }
        if (attachment != null) {
            attachment.close();
        }
    }
}
