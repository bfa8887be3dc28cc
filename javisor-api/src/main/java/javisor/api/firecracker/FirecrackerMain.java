package javisor.api.firecracker;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javisor.api.firecracker.ApiTypes.FullVmConfiguration;
import javisor.api.firecracker.ApiTypes.Metrics;
import javisor.vmm.ExitStatus;
import javisor.vmm.SignalStop;

/**
 * {@code javisor firecracker}: one microVM per process, started and driven as Firecracker's are, by its command
 * line, its REST API on a Unix socket and its JSON config file. The process ends when the guest stops (with the
 * guest's status, as {@code javisor run}), or on SIGTERM/SIGINT, which stop the VM and remove the socket.
 */
public final class FirecrackerMain {
    static final String USAGE = """
            Usage: javisor firecracker [--api-sock PATH] [--config-file FILE] [--no-api] [--id ID]
                                       [--level LEVEL] [--log-path PATH] [--metrics-path PATH]
                                       [--http-api-max-payload-size BYTES] [--boot-timer]
              (or the launcher under the name `firecracker`, with the same options)

            Firecracker's command line: one microVM in this process, configured through Firecracker's REST API on
            the Unix socket PATH (default /run/firecracker.socket), or from FILE (Firecracker's JSON config, which
            also starts it). docs/firecracker-api.md lists what is served and what is not.

              --api-sock PATH     the API's Unix socket (must not exist yet; removed at exit)
              --config-file FILE  configure from FILE and start the microVM at once
              --no-api            no API socket (needs --config-file)
              --id ID             the instance id GET / reports (default anonymous-instance)
              --level LEVEL       Error, Warning (default), Info, Debug, Trace or Off
              --log-path PATH     log lines go to PATH (a file or named pipe) instead of standard error
              --metrics-path PATH metrics lines go to PATH every minute and on FlushMetrics
              --http-api-max-payload-size BYTES  the largest request body (default 51200)
              --boot-timer        accepted for compatibility; Javisor has no boot-timer device (a warning says so)
              --start-time-us, --start-time-cpu-us, --parent-cpu-time-us N  accepted (the jailer passes them)
              --no-seccomp        accepted: Javisor installs no seccomp filter yet
            """;
    static final String DEFAULT_SOCKET = "/run/firecracker.socket";

    /** The options, as parsed. */
    record Options(Path apiSock, Path configFile, boolean noApi, String id, String level, Path logPath,
                   Path metricsPath, int maxPayload, boolean bootTimer, long startTimeMicros) {
    }

    /** What {@link #run} returns when SIGTERM or SIGINT ended it: the JVM's shutdown sequence sets the status. */
    static final int SIGNALLED = -1;

    private FirecrackerMain() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        if (status == SIGNALLED) {
            // The JVM's shutdown sequence ends the process with 128 + the signal (143 for SIGTERM, as Firecracker)
            // once the hook returns; halting here raced it, and CI saw 0 for a SIGTERM.
            SignalStop.awaitExit();
        }
        Runtime.getRuntime().halt(status);
    }

    /** Parses {@code args} (after the word {@code firecracker}), runs the microVM, and returns the exit status. */
    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("javisor firecracker: " + e.getMessage());
            err.println("Run 'javisor firecracker --help' for usage.");
            return ExitStatus.USAGE;
        }
        if (o == null) {
            out.print(USAGE);
            return ExitStatus.OK;
        }
        long startupMicros = Math.max(0, System.currentTimeMillis() * 1000 - (o.startTimeMicros > 0
                ? o.startTimeMicros : ProcessHandle.current().info().startInstant()
                .map(t -> t.toEpochMilli() * 1000).orElse(System.currentTimeMillis() * 1000)));
        FirecrackerMetrics metrics = new FirecrackerMetrics(startupMicros);
        FirecrackerInstance instance = new FirecrackerInstance(o.id, "javisor " + version(), in, out, metrics);
        ApiServer server = null;
        // SIGTERM or SIGINT: end the wait below, and hold the JVM until the VM is stopped and the socket removed.
        CountDownLatch closed = new CountDownLatch(1);
        Runnable stop = () -> {
            instance.exitStatus().complete(ExitStatus.OK);
            try {
                closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            if (o.level != null || o.logPath != null) {
                instance.putLogger(new ApiTypes.Logger(o.level, o.logPath == null ? null : o.logPath.toString(), null,
                        null, null));
            }
            if (o.bootTimer) {
                err.println("javisor firecracker: --boot-timer: Javisor has no boot-timer device; the guest's "
                        + "write to it is not timed");
            }
            if (o.metricsPath != null) {
                instance.putMetrics(new Metrics(o.metricsPath.toString(), null, null));
            }
            SignalStop signal = SignalStop.stopping(stop);
            if (o.configFile != null) {
                if (!o.noApi) {
                    ApiServer.checkFree(o.apiSock);
                }
                // The microVM boots first and the server starts while its vCPUs run: a config-file start does not
                // wait for the socket, and Jetty's start (tens of ms, docs/performance.md) stays off its boot.
                instance.applyConfigFile(readConfigFile(o.configFile));
            }
            if (!o.noApi) {
                server = ApiServer.start(o.apiSock, new ApiRouter(instance), o.maxPayload);
            }
            int status = instance.exitStatus().get();
            // false: the hook is what ended the wait; it waits for the cleanup below
            return signal.remove() ? status : SIGNALLED;
        } catch (BadRequest e) {
            err.println("javisor firecracker: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("javisor firecracker: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.HOST_ERROR;
        } catch (ExecutionException e) {
            err.println("javisor firecracker: " + e);
            return ExitStatus.HOST_ERROR;
        } finally {
            if (server != null) {
                server.close();
            }
            instance.close();
            closed.countDown();
        }
    }

    static FullVmConfiguration readConfigFile(Path file) {
        byte[] text;
        try {
            if (Files.size(file) > 1 << 20) {
                throw new BadRequest("The config file " + file + " is larger than 1 MiB.");
            }
            text = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadRequest("Cannot read the config file " + file + ": " + e.getMessage() + ".");
        }
        try {
            return Json.read(text, FullVmConfiguration.class);
        } catch (BadRequest e) {
            throw new BadRequest("The config file " + file + ": " + e.getMessage());
        }
    }

    /** The options; null for --help. */
    static Options parse(List<String> args) {
        Path apiSock = Path.of(DEFAULT_SOCKET);
        Path configFile = null;
        boolean noApi = false;
        String id = "anonymous-instance";
        String level = null;
        Path logPath = null;
        Path metricsPath = null;
        int maxPayload = ApiServer.DEFAULT_MAX_PAYLOAD;
        boolean bootTimer = false;
        long startTime = 0;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--no-api" -> noApi = true;
                case "--boot-timer" -> bootTimer = true;
                case "--no-seccomp", "--show-level", "--show-log-origin" -> {
                }
                case "--api-sock", "--config-file", "--id", "--level", "--log-path", "--metrics-path",
                     "--http-api-max-payload-size", "--start-time-us", "--start-time-cpu-us", "--parent-cpu-time-us",
                     "--module", "--seccomp-filter" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new IllegalArgumentException("option " + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    switch (name) {
                        case "--api-sock" -> apiSock = nonEmptyPath(name, value);
                        case "--config-file" -> configFile = nonEmptyPath(name, value);
                        case "--id" -> id = checkId(value);
                        case "--level" -> level = checkLevel(value);
                        case "--log-path" -> logPath = nonEmptyPath(name, value);
                        case "--metrics-path" -> metricsPath = nonEmptyPath(name, value);
                        case "--http-api-max-payload-size" -> maxPayload = (int) number(name, value, 1, 1 << 30);
                        case "--start-time-us" -> startTime = number(name, value, 0, Long.MAX_VALUE);
                        case "--start-time-cpu-us", "--parent-cpu-time-us" -> number(name, value, 0, Long.MAX_VALUE);
                        case "--seccomp-filter" -> throw new IllegalArgumentException("--seccomp-filter: Javisor "
                                + "cannot load Firecracker's seccomp filters (use --no-seccomp)");
                        default -> {
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (noApi && configFile == null) {
            throw new IllegalArgumentException("--no-api needs --config-file (there would be no way to configure "
                    + "the microVM)");
        }
        return new Options(apiSock, configFile, noApi, id, level, logPath, metricsPath, maxPayload, bootTimer,
                startTime);
    }

    private static Path nonEmptyPath(String option, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a path, got \"\"");
        }
        return Path.of(value);
    }

    /** Firecracker's instance ids: 1 to 64 letters, digits and hyphens. */
    private static String checkId(String id) {
        if (!id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("--id: expected 1 to 64 letters, digits or hyphens, got \"" + id
                    + "\"");
        }
        return id;
    }

    private static String checkLevel(String level) {
        if (!List.of("Error", "Warning", "Info", "Debug", "Trace", "Off").contains(level)
                && !List.of("error", "warning", "info", "debug", "trace", "off").contains(level)) {
            throw new IllegalArgumentException("--level: expected Error, Warning, Info, Debug, Trace or Off, got \""
                    + level + "\"");
        }
        return level;
    }

    private static long number(String option, String value, long min, long max) {
        try {
            long v = Long.parseLong(value);
            if (v < min || v > max) {
                throw new IllegalArgumentException(option + ": expected " + min + " to " + max + ", got " + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a number, got \"" + value + "\"");
        }
    }

    private static String version() {
        String v = FirecrackerMain.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
