package javisor.vmm;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code javisor resident}: a Javisor that stays up and runs each {@code javisor run} the launcher hands it, so that
 * a run costs a VM's creation and not a JVM's start. The launcher (bash, no JVM, no helper program) reaches it on a
 * loopback TCP port with a token, both in the state file, which only this user can read; see
 * {@link ResidentRequest} for the exchange. A run's first connection carries the guest console both ways, its
 * second the run's standard error, line by line ({@code e TEXT}), and at the end its status ({@code x N}). When
 * the client goes away (its second connection ends) the run's VMs stop.
 */
final class Resident implements AutoCloseable {
    /** How long a run waits for its second connection, and a connection's header for each next byte. */
    private static final int HANDSHAKE_MILLIS = 10_000;

    private final ServerSocket server;
    private final Path stateFile;
    private final String token;
    private final SharedKvm kvm;
    private final SourceWatch sources;
    private final AtomicLong runIds = new AtomicLong();
    private final Map<Long, CompletableFuture<Socket>> waitingForAttach = new ConcurrentHashMap<>();

    private Resident(ServerSocket server, Path stateFile, String token, SharedKvm kvm, SourceWatch sources) {
        this.server = server;
        this.stateFile = stateFile;
        this.token = token;
        this.kvm = kvm;
        this.sources = sources;
    }

    /**
     * {@code javisor resident --file FILE [--watch PATH]...}: serves until SIGTERM or SIGINT, refusing runs once a
     * watched PATH changed. The launcher gives both: its state file and the build's inputs.
     */
    static int main(List<String> args, PrintStream out, PrintStream err) {
        Path stateFile = null;
        List<Path> watched = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (i + 1 == args.size() || !(option.equals("--file") || option.equals("--watch"))) {
                err.println("javisor: resident expects --file FILE and --watch PATH options (the launcher gives "
                        + "them), got " + args);
                return ExitStatus.USAGE;
            }
            Path value = Path.of(args.get(++i));
            if (option.equals("--file")) {
                stateFile = value;
            } else {
                watched.add(value);
            }
        }
        if (stateFile == null) {
            err.println("javisor: resident needs --file FILE (the launcher gives it)");
            return ExitStatus.USAGE;
        }
        SourceWatch sources;
        try {
            sources = SourceWatch.of(watched);
        } catch (IOException e) {
            err.println("javisor: the resident Javisor cannot watch the sources for changes: " + e);
            return ExitStatus.HOST_ERROR;
        }
        SharedKvm kvm;
        try {
            kvm = SharedKvm.open();
        } catch (VirtualizationUnavailableException e) {
            sources.close();
            err.println("javisor: KVM is not usable: " + e.getMessage());
            return ExitStatus.NO_KVM;
        }
        Resident resident;
        try {
            resident = start(stateFile, kvm, sources);
        } catch (IOException e) {
            kvm.close();
            sources.close();
            err.println("javisor: the resident Javisor cannot start: " + e.getMessage());
            return ExitStatus.HOST_ERROR;
        }
        SignalStop.halting(resident::close, () -> ExitStatus.OK);
        err.println("javisor: resident on 127.0.0.1:" + resident.port() + ", pid " + Vmm.pid()
                + "; `javisor run` hands its VMs here until SIGTERM or SIGINT");
        err.flush();
        Thread.ofPlatform().name("resident accept").start(resident::serve);
        return SignalStop.awaitExit();
    }

    /**
     * Listens on an ephemeral loopback port and publishes it with a fresh token in {@code stateFile}; runs VMs on
     * {@code kvm} until {@code sources} sees a change; closes both when it closes.
     */
    static Resident start(Path stateFile, SharedKvm kvm, SourceWatch sources) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        try {
            Path dir = stateFile.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path fresh = Files.createTempFile(dir, ".resident", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(fresh, server.getLocalPort() + " " + token + " " + Vmm.pid() + "\n");
            try {
                Files.move(fresh, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.delete(fresh);
                throw e;
            }
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot write the state file " + stateFile + ": " + e.getMessage(), e);
        }
        return new Resident(server, stateFile, token, kvm, sources);
    }

    int port() {
        return server.getLocalPort();
    }

    /**
     * Accepts until closed; each connection on a thread of its own, so that a slow client holds up nobody. A
     * platform thread: a run's set-up makes KVM calls that can take milliseconds, during which a virtual thread
     * would hold its carrier.
     */
    void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofPlatform().daemon().name("resident connection").start(() -> handle(s));
            } catch (IOException e) {
                // closed, or one failed accept: the loop's condition decides
            }
        }
    }

    private void handle(Socket socket) {
        boolean handedOver = false;
        try {
            socket.setSoTimeout(HANDSHAKE_MILLIS);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            switch (ResidentRequest.read(in, token)) {
                case ResidentRequest.Run run -> {
                    Optional<String> change = sources.change();
                    if (change.isPresent()) {
                        throw new ResidentRequest.Refused("the sources changed since it started: " + change.get()
                                + "; restart it after the build");
                    }
                    if (run.args().stream().anyMatch(a -> a.equals("--log") || a.startsWith("--log="))) {
                        // The level is the process's, and its log lines go to the resident's standard error.
                        throw new ResidentRequest.Refused("--log asks for a log of the run's own");
                    }
                    serveRun(socket, in, run);
                }
                case ResidentRequest.Attach(long id) -> {
                    CompletableFuture<Socket> waiting = waitingForAttach.remove(id);
                    if (waiting == null) {
                        throw new ResidentRequest.Refused("no run " + id + " is waiting for its second connection");
                    }
                    handedOver = waiting.complete(socket);
                }
            }
        } catch (ResidentRequest.Refused e) {
            try {
                send(socket, "no " + e.getMessage());
            } catch (IOException gone) {
                // the client went away: nothing to tell it
            }
        } catch (IOException e) {
            // the client went away: nothing to tell it
        } finally {
            if (!handedOver) {
                closeQuietly(socket);
            }
        }
    }

    /** Runs {@code javisor run} for the client of {@code first}, once its second connection has come. */
    private void serveRun(Socket first, InputStream consoleIn, ResidentRequest.Run run) throws IOException {
        long id = runIds.incrementAndGet();
        CompletableFuture<Socket> attach = new CompletableFuture<>();
        waitingForAttach.put(id, attach);
        send(first, "ok " + id);
        Socket second;
        try {
            second = attach.get(HANDSHAKE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | InterruptedException e) {
            waitingForAttach.remove(id);
            if (!attach.cancel(false)) {
                closeQuietly(attach.join()); // it came just too late
            }
            return;
        }
        try (second) {
            first.setSoTimeout(0); // the handshake's bound: from here both wait as long as the run lasts
            second.setSoTimeout(0);
            PrintStream out = new PrintStream(first.getOutputStream(), true, StandardCharsets.UTF_8);
            Cli.TaggedLines errLines = new Cli.TaggedLines(second.getOutputStream(), "e ");
            PrintStream err = new PrintStream(errLines, true, StandardCharsets.UTF_8);
            // The client gone (Ctrl-C, kill) ends its second connection: the run is interrupted, which stops its
            // VMs, as a signal stops a `javisor run` of its own.
            Thread runner = Thread.currentThread();
            AtomicBoolean finished = new AtomicBoolean();
            Thread.ofVirtual().name("resident run " + id + " watch").start(() -> {
                awaitEnd(second);
                if (!finished.get()) {
                    runner.interrupt();
                }
            });
            int status = Cli.runFor(run.cwd(), run.args(), kvm, run.input() ? consoleIn : null, out, err);
            finished.set(true);
            out.flush();
            first.shutdownOutput(); // the client has all the console output before it learns the status
            errLines.close();
            send(second, "x " + status);
        }
    }

    private static void awaitEnd(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // the client sends nothing more on this connection; whatever comes is ignored
            }
        } catch (IOException e) {
            // closed: ended
        }
    }

    private static void send(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(stateFile);
        } catch (IOException e) {
            // a state file left behind only makes launchers try a closed port and run without us
        }
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        kvm.close();
        sources.close();
    }
}
