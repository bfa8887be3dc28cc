package javisor.vmm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import javisor.sys.LibC;
import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmCreateException;
import javisor.vm.config.BaseConfig;
import javisor.vm.config.ConfigException;
import javisor.vm.config.LimitsConfig;
import javisor.vm.config.VmConfig;
import javisor.vmm.control.ControlServer;
import javisor.vmm.shell.Shell;

/**
 * The {@code javisor} command line. {@code javisor} alone runs the VMs bundled in the jar; {@code javisor run}
 * runs the given configs, or one kernel without a config, and exits when every VM has stopped.
 */
public final class Cli {
    private static final String USAGE = """
            Usage:
              javisor                         run the VMs bundled in this build (a demo guest)
              javisor run CONFIG.toml...      run VMs from AxVisor-style configs until all have stopped
              javisor run --kernel FILE [--initrd FILE] [--cmdline STR] [--cpus N] [--memory MiB]
                          [--drive PATH[,readonly]]... [--net tap=NAME[,mac=MAC]]...
                          [--vsock cid=N,path=SOCKET]
                                              run one kernel without a config, like QEMU's -kernel; each
                                              --drive is a virtio-blk disk on the raw image PATH, each --net
                                              a virtio-net NIC on the host tap NAME (created if absent when
                                              Javisor may), --vsock a virtio-vsock device whose host side is
                                              the Unix socket SOCKET (Firecracker's scheme)
              javisor shell [--config-dir DIR] [CONFIG.toml...]
                                              AxVisor's way: boot the VMs, then a shell to manage them while
                                              they run (commands from standard input when it is not a terminal)
              javisor serve [--api-sock PATH] [--web [HOST:]PORT] [--web-token-file FILE] [CONFIG.toml...]
                                              the VMs without a shell, managed through Javisor's multi-VM
                                              API (README, "The multi-VM API"); until SIGTERM or SIGINT
              javisor firecracker [--api-sock PATH] [--config-file FILE] [--no-api] ...
                                              one microVM driven by Firecracker's REST API on a Unix
                                              socket, or by its JSON config file (javisor firecracker --help)
              javisor jail --id ID --uid UID --gid GID [...] -- firecracker|run|shell ARGS...
                                              Firecracker's jailer: that VMM as UID:GID in new namespaces,
                                              a folder of its own as its root, a cgroup (javisor jail --help)
              javisor resident                a Javisor that stays up: while it runs, the launcher hands each
                                              `javisor run` to it instead of starting a JVM (README, "The
                                              resident Javisor"); until SIGTERM or SIGINT
              javisor --help | --version

            Options:
              --config-dir DIR run/shell: also every *.toml in DIR with [base], [kernel] and [devices]
              --bundled SET    run/shell: also the bundled config set SET (default, ivc-demo, smp-demo)
              --console FILE   run: the guests' serial output goes to FILE instead of standard output
                               (with one VM, standard input is its console's input)
              --log-dir DIR    shell: each VM's console log goes to DIR/vm-ID-NAME.log
                               (default: $TMPDIR/javisor-PID)
              --limits FILE    run/shell: the process's [limits] (TOML): each VM gets the smaller of
                               these and its config's own (README, "Limits")
              --api-sock PATH  shell/serve: also serve the multi-VM API on the Unix socket PATH
              --web [HOST:]PORT
                               shell/serve: the API and the web console on TCP (HOST defaults to
                               127.0.0.1); every request needs the token, printed with the URL
              --web-token-file FILE
                               the web console's token is FILE's first line (default: a random one)
              --log LEVEL      log level: error, warning (default), info, debug, trace
            With no CONFIG, --config-dir or --bundled, the build's default set is used.

            Exit status: that of the VM (the first that failed, when several run): 0 when the guest
            powered off, (code << 1) | 1 after a write of code to the debug-exit port 0xf4 (as QEMU),
            2 bad arguments, config or image, 4 guest failure, 6 host error, 8 KVM unavailable.
            """;

    private final Path cwd;
    private final SharedKvm sharedKvm; // the resident's, or null: each run opens KVM
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private boolean helpShown;

    private Cli(Path cwd, SharedKvm sharedKvm, InputStream in, PrintStream out, PrintStream err) {
        this.cwd = cwd;
        this.sharedKvm = sharedKvm;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** @param in the console's input under {@code run} (one VM), the commands under {@code shell} */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return new Cli(Path.of(""), null, in, out, err).dispatch(List.of(args));
    }

    /**
     * {@code javisor run ARGS} for a client of the resident Javisor, on its KVM: relative paths in {@code args} are
     * taken from the client's folder {@code cwd}, not this process's; {@code in} is null when the client sends no
     * console input.
     */
    static int runFor(Path cwd, List<String> args, SharedKvm kvm, InputStream in, PrintStream out,
                      PrintStream err) {
        if (args.isEmpty() || !args.getFirst().equals("run")) {
            err.println("javisor: the resident Javisor runs only 'javisor run'");
            return ExitStatus.USAGE;
        }
        return new Cli(cwd, kvm, in, out, err).dispatch(args);
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty()) {
            return runVms(new RunOptions());
        }
        return switch (args.getFirst()) {
            case "run" -> parseRun(args.subList(1, args.size()), false).map(this::runVms)
                    .orElseGet(() -> helpShown ? ExitStatus.OK : ExitStatus.USAGE);
            case "shell" -> parseRun(args.subList(1, args.size()), true).map(this::runShell)
                    .orElseGet(() -> helpShown ? ExitStatus.OK : ExitStatus.USAGE);
            case "serve" -> parseRun(args.subList(1, args.size()), true).map(this::runServe)
                    .orElseGet(() -> helpShown ? ExitStatus.OK : ExitStatus.USAGE);
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                yield ExitStatus.OK;
            }
            case "resident" -> Resident.main(args.subList(1, args.size()), out, err);
            case "--version", "-V" -> {
                out.println("javisor " + version());
                yield ExitStatus.OK;
            }
            // The launcher runs `firecracker` from the javisor-api module; only a JVM started by hand gets here.
            case "firecracker" -> usageError("firecracker runs from the javisor-api module: start it with the "
                    + "javisor launcher, or java -p javisor-api/target/lib -m "
                    + "javisor.api/javisor.api.firecracker.FirecrackerMain");
            default -> usageError("unknown command '" + args.getFirst() + "'");
        };
    }

    private static String version() {
        String v = Cli.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    private int usageError(String message) {
        err.println("javisor: " + message);
        err.println("Run 'javisor --help' for usage.");
        return ExitStatus.USAGE;
    }

    /** The options of {@code javisor run}. */
    static final class RunOptions {
        final List<Path> configs = new ArrayList<>();
        final List<Path> configDirs = new ArrayList<>();
        final List<String> bundledSets = new ArrayList<>();
        Path logDir;
        LimitsConfig limits = LimitsConfig.DEFAULT;
        Path kernel;
        Path initrd;
        String cmdline;
        int cpus = 1;
        long memoryMiB = 128;
        Path console;
        String logLevel;
        final List<String> drives = new ArrayList<>();
        final List<String> nets = new ArrayList<>();
        final List<String> vsocks = new ArrayList<>();
        Optional<Path> apiSocket = Optional.empty();
        Optional<InetSocketAddress> web = Optional.empty();
        Optional<Path> webTokenFile = Optional.empty();

        ControlServer.Settings api() {
            return new ControlServer.Settings(apiSocket, web, webTokenFile);
        }
    }

    private Optional<RunOptions> parseRun(List<String> args, boolean shell) {
        RunOptions o = new RunOptions();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                helpShown = true;
                return Optional.empty();
            }
            if (!a.startsWith("--")) {
                o.configs.add(path(a));
                continue;
            }
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                usageError("option " + a + " needs a value");
                return Optional.empty();
            }
            try {
                switch (name) {
                    case "--kernel" -> o.kernel = path(value);
                    case "--initrd" -> o.initrd = path(value);
                    case "--cmdline", "--append" -> o.cmdline = value;
                    case "--cpus", "--smp" -> o.cpus = parseIntIn(name, value, 1, BaseConfig.MAX_CPUS);
                    case "--memory", "-m" -> o.memoryMiB = parseIntIn(name, value, 1, 1 << 20);
                    case "--console" -> o.console = path(value);
                    case "--drive" -> o.drives.add(drivePath(value));
                    case "--net" -> o.nets.add(value);
                    case "--vsock" -> o.vsocks.add(vsockPath(value));
                    case "--log" -> o.logLevel = value;
                    case "--config-dir" -> o.configDirs.add(path(value));
                    case "--bundled" -> o.bundledSets.add(value);
                    case "--log-dir" -> o.logDir = path(value);
                    case "--api-sock" -> o.apiSocket = Optional.of(path(value));
                    case "--web" -> o.web = Optional.of(webAddress(value));
                    case "--web-token-file" -> o.webTokenFile = Optional.of(path(value));
                    case "--limits" -> {
                        try {
                            o.limits = LimitsConfig.load(path(value));
                        } catch (ConfigException e) {
                            err.println("javisor: --limits: " + e.getMessage());
                            return Optional.empty();
                        }
                    }
                    default -> {
                        usageError("unknown option " + name);
                        return Optional.empty();
                    }
                }
            } catch (IllegalArgumentException e) {
                usageError(e.getMessage());
                return Optional.empty();
            }
        }
        if (!shell && o.api().any()) {
            usageError("--api-sock and --web go with shell or serve");
            return Optional.empty();
        }
        if (o.webTokenFile.isPresent() && o.web.isEmpty()) {
            usageError("--web-token-file goes with --web");
            return Optional.empty();
        }
        if (!shell && o.kernel == null && o.configs.isEmpty() && o.configDirs.isEmpty() && o.bundledSets.isEmpty()) {
            usageError("run needs CONFIG.toml files, --config-dir DIR, --bundled SET or --kernel FILE");
            return Optional.empty();
        }
        if (o.kernel == null && (o.initrd != null || o.cmdline != null || !o.drives.isEmpty() || !o.nets.isEmpty()
                || !o.vsocks.isEmpty())) {
            usageError("--initrd, --cmdline, --drive, --net and --vsock go with --kernel; a config sets them in "
                    + "[kernel] and [devices]");
            return Optional.empty();
        }
        return Optional.of(o);
    }

    /** A path from the command line, relative to the folder the command was given in. */
    private Path path(String value) {
        return cwd.resolve(value);
    }

    /** {@code --drive PATH[,readonly]} with PATH taken from the command's folder. */
    private String drivePath(String value) {
        int comma = value.indexOf(',');
        String file = comma < 0 ? value : value.substring(0, comma);
        return file.isEmpty() ? value : path(file) + (comma < 0 ? "" : value.substring(comma));
    }

    /** {@code --vsock cid=N,path=SOCKET} with SOCKET taken from the command's folder. */
    private String vsockPath(String value) {
        List<String> parts = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            parts.add(part.startsWith("path=") && part.length() > 5 ? "path=" + path(part.substring(5)) : part);
        }
        return String.join(",", parts);
    }

    /** {@code --web}'s {@code [HOST:]PORT}; the host defaults to loopback, as nothing else may reach it unasked. */
    static InetSocketAddress webAddress(String value) {
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--web expects [HOST:]PORT, got '" + value + "'");
        }
        int port = parseIntIn("--web's port", value.substring(colon + 1), 0, 65535);
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static int parseIntIn(String option, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value.replace("_", ""));
            if (v < min || v > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got "
                        + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects a number, got '" + value + "'");
        }
    }

    /** Sets {@code --log}'s level; false (after saying why) when the level is unknown. */
    private boolean applyLogLevel(RunOptions o) {
        if (o.logLevel != null) {
            try {
                ConsoleLoggerFinder.setLevel(o.logLevel);
            } catch (IllegalArgumentException e) {
                usageError(e.getMessage());
                return false;
            }
        }
        return true;
    }

    /** Whether KVM can run VMs here; when not, says what is missing. */
    private boolean kvmUsable() {
        try {
            Vmm.checkVirtualization();
            return true;
        } catch (VirtualizationUnavailableException e) {
            err.println("javisor: KVM is not usable: " + e.getMessage());
            return false;
        }
    }

    /** Where the shell and serve write each VM's console log: --log-dir, or a folder of this process's. */
    private static Path logDir(RunOptions o) {
        return o.logDir != null ? o.logDir : Path.of(System.getProperty("java.io.tmpdir"), "javisor-" + Vmm.pid());
    }

    private int runVms(RunOptions o) {
        if (!applyLogLevel(o)) {
            return ExitStatus.USAGE;
        }
        List<Vmm.VmDefinition> definitions;
        try {
            definitions = definitions(o);
        } catch (ConfigException | VmCreateException e) {
            err.println("javisor: " + e.getMessage());
            return ExitStatus.USAGE;
        }
        if (sharedKvm == null && !kvmUsable()) {
            return ExitStatus.NO_KVM;
        }
        OutputStream console;
        try {
            console = o.console == null ? new NonClosingOutputStream(out) : Files.newOutputStream(o.console);
        } catch (IOException e) {
            err.println("javisor: cannot open console file " + o.console + ": " + e.getMessage());
            return ExitStatus.USAGE;
        }
        // One VM owns the console as it is (byte for byte, as QEMU's serial); several share it line by line,
        // each line tagged with its VM's name, so their output does not interleave mid-line.
        Vmm.ConsoleFactory consoles = definitions.size() == 1 ? c -> console
                : c -> new TaggedLines(console, "[" + c.base().name() + "] ");
        CompletableFuture<Integer> finished = new CompletableFuture<>();
        int status = runUntilStopped(definitions, consoles, console, o, finished);
        finished.complete(status);
        return status;
    }

    /**
     * Runs the VMs to their end and reports them. SIGTERM or SIGINT stops them; in a process of its own the hook
     * then waits for this thread's report and cleanup ({@code finished}) and halts with its status, the VMs'
     * "stopped by signal" (0): a shutdown left to finish would end with 143 and race this thread's own halt in
     * {@link Main}. A run handed to the resident only stops its VMs: the process is the resident's, which ends it.
     */
    private int runUntilStopped(List<Vmm.VmDefinition> definitions, Vmm.ConsoleFactory consoles,
                                OutputStream console, RunOptions o, CompletableFuture<Integer> finished) {
        try (console; Vmm vmm = sharedKvm == null ? Vmm.init(definitions, consoles, o.limits)
                : Vmm.init(definitions, consoles, o.limits, sharedKvm)) {
            Runnable stop = () -> vmm.stopAll("signal");
            SignalStop signal = sharedKvm != null ? SignalStop.stopping(stop) : SignalStop.halting(stop, () -> {
                int status;
                try {
                    status = finished.get(10, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    status = ExitStatus.HOST_ERROR;
                }
                out.flush();
                err.flush();
                return status;
            });
            try {
                // The VM that owns the console takes standard input too, as QEMU's does; not a terminal this
                // process runs in the background of (`javisor run ... &`), whose first read would stop it.
                if (definitions.size() == 1 && in != null && (in != System.in || LibC.readableWithoutStopping(0))) {
                    vmm.console(definitions.getFirst().config().base().id()).typeFrom(in);
                }
                vmm.start();
                vmm.awaitAll();
                return report(vmm);
            } finally {
                // Whatever ended the run (in the resident, a client gone): after a signal, the hook waits for the
                // report this thread returns.
                signal.remove();
            }
        } catch (VmCreateException | ConfigException | VmmException e) {
            err.println("javisor: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.HOST_ERROR;
        } catch (IOException | RuntimeException e) {
            err.println("javisor: " + e);
            return ExitStatus.HOST_ERROR;
        }
    }

    /**
     * AxVisor's main: check virtualization, create the VMs, start them, and run the shell while they run. Each
     * VM's console goes to its own log file, never into the shell's output; {@code vm console} attaches to it.
     */
    private int runShell(RunOptions o) {
        if (!applyLogLevel(o)) {
            return ExitStatus.USAGE;
        }
        if (!kvmUsable()) {
            return ExitStatus.NO_KVM;
        }
        Path logDir = logDir(o);
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            err.println("javisor: cannot create the log folder " + logDir + ": " + e.getMessage());
            return ExitStatus.USAGE;
        }
        try (Vmm vmm = Vmm.init(definitions(o), new ConsoleLogs(logDir), o.limits);
             ControlServer api = serveApi(vmm, o.api())) {
            vmm.start();
            vmm.makeVmsAhead();
            api.addresses().forEach(a -> err.println("javisor: " + a));
            return Shell.run(vmm, in, out, err, in == System.in && System.console() != null);
        } catch (IllegalArgumentException e) {
            err.println("javisor: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (VmCreateException | ConfigException | VmmException e) {
            err.println("javisor: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (RuntimeException e) {
            err.println("javisor: " + e);
            return ExitStatus.HOST_ERROR;
        }
    }

    /**
     * {@code javisor serve}: the given VMs (none by default: VMs come through the API) started, and the multi-VM
     * API served until SIGTERM or SIGINT, which stop every VM first.
     */
    private int runServe(RunOptions o) {
        if (!o.api().any()) {
            return usageError("serve needs --api-sock PATH or --web [HOST:]PORT");
        }
        if (!applyLogLevel(o)) {
            return ExitStatus.USAGE;
        }
        List<Vmm.VmDefinition> definitions;
        try {
            definitions = o.kernel == null && o.configs.isEmpty() && o.configDirs.isEmpty()
                    && o.bundledSets.isEmpty() ? List.of() : definitions(o);
        } catch (ConfigException | VmCreateException e) {
            err.println("javisor: " + e.getMessage());
            return ExitStatus.USAGE;
        }
        if (!kvmUsable()) {
            return ExitStatus.NO_KVM;
        }
        Path logDir = logDir(o);
        Vmm vmm = null;
        ControlServer api = null;
        try {
            Files.createDirectories(logDir);
            vmm = Vmm.init(definitions, new ConsoleLogs(logDir), o.limits);
            api = serveApi(vmm, o.api());
            vmm.start();
            vmm.makeVmsAhead();
        } catch (IllegalArgumentException | VmCreateException | ConfigException | VmmException | IOException e) {
            err.println("javisor: " + e.getMessage());
            closeAll(api, vmm);
            return ExitStatus.USAGE;
        }
        for (String address : api.addresses()) {
            err.println("javisor: " + address);
        }
        err.flush();
        Vmm served = vmm;
        ControlServer server = api;
        SignalStop.halting(() -> {
            served.stopAll("signal");
            closeAll(server, served);
        }, () -> ExitStatus.OK);
        return SignalStop.awaitExit();
    }

    private static void closeAll(ControlServer api, Vmm vmm) {
        if (api != null) {
            api.close();
        }
        if (vmm != null) {
            vmm.close();
        }
    }

    /** The multi-VM API when the options ask for it; a no-op server otherwise, so callers can always close it. */
    private ControlServer serveApi(Vmm vmm, ControlServer.Settings settings) {
        if (!settings.any()) {
            return NO_SERVER;
        }
        ControlServer.Provider provider = ControlServer.provider().orElseThrow(() -> new IllegalArgumentException(
                "--api-sock and --web need the javisor-api module on the module path: start Javisor with the "
                        + "javisor launcher, or java -p javisor-api/target/lib -m javisor.vmm/javisor.vmm.Main"));
        return provider.start(vmm, settings);
    }

    private static final ControlServer NO_SERVER = new ControlServer() {
        @Override
        public List<String> addresses() {
            return List.of();
        }

        @Override
        public void close() {
        }
    };

    private List<Vmm.VmDefinition> definitions(RunOptions o) {
        List<Vmm.VmDefinition> defs = new ArrayList<>();
        if (o.kernel != null) {
            VmConfig c = VmConfig.forKernel(o.kernel, Optional.ofNullable(o.initrd), Optional.ofNullable(o.cmdline),
                    o.cpus, o.memoryMiB).withDevices(o.drives, o.nets, o.vsocks);
            defs.add(new Vmm.VmDefinition(c, ImageResolver.directory(cwd)));
        }
        if (o.kernel == null && o.configs.isEmpty() && o.configDirs.isEmpty() && o.bundledSets.isEmpty()) {
            defs.addAll(ConfigSources.bundled());
        }
        for (String set : o.bundledSets) {
            defs.addAll(ConfigSources.bundledSet(set));
        }
        for (Path dir : o.configDirs) {
            defs.addAll(ConfigSources.fromDirectory(dir));
        }
        for (Path p : o.configs) {
            defs.add(ConfigSources.fromFile(p));
        }
        return defs;
    }

    /**
     * Lines on a shared stream, each with a tag: a VM's console among several (its name), the resident's standard
     * error to its client ({@code e }). A partial line waits for its end; one over {@link #MAX_LINE} bytes is cut
     * into whole tagged lines.
     */
    static final class TaggedLines extends OutputStream {
        private static final int MAX_LINE = 4096;
        private final OutputStream shared;
        private final byte[] tag;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        TaggedLines(OutputStream shared, String tag) {
            this.shared = shared;
            this.tag = tag.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (b != '\n' && line.size() == MAX_LINE) {
                line.write('\n');
                emit();
            }
            line.write(b);
            if (b == '\n') {
                emit();
            }
        }

        private void emit() throws IOException {
            synchronized (shared) {
                shared.write(tag);
                line.writeTo(shared);
                shared.flush();
            }
            line.reset();
        }

        @Override
        public synchronized void flush() {
            // a partial line stays until its end, or close()
        }

        @Override
        public synchronized void close() throws IOException {
            if (line.size() > 0) {
                line.write('\n');
                emit();
            }
        }
    }

    /**
     * The shell's consoles: a log file per VM, {@code vm-ID-NAME.log} in the log folder, rotated at the VM's
     * {@code console_log_bytes}.
     */
    private record ConsoleLogs(Path logDir) implements Vmm.ConsoleFactory {
        private static final Pattern NOT_FILE_NAME_SAFE = Pattern.compile("[^A-Za-z0-9._-]");

        @Override
        public OutputStream consoleFor(VmConfig config) throws IOException {
            return new RotatingLogFile(logFileFor(config).orElseThrow(), config.limits().consoleLogBytes());
        }

        @Override
        public Optional<Path> logFileFor(VmConfig config) {
            String name = NOT_FILE_NAME_SAFE.matcher(config.base().name()).replaceAll("_");
            return Optional.of(logDir.resolve("vm-" + config.base().id() + "-" + name + ".log"));
        }
    }

    /** Says how each VM ended and picks the exit status: the first VM that did not end well, else 0. */
    private int report(Vmm vmm) {
        int status = ExitStatus.OK;
        boolean several = vmm.vms().size() > 1;
        for (Vm vm : vmm.vms()) {
            StopReason r = vm.stopReason();
            if (r == null) {
                continue;
            }
            if (r instanceof StopReason.GuestFailure(String summary, String report)) {
                err.println("javisor: VM " + vm.id() + " (" + vm.name() + ") failed: " + report);
            } else if (several || r instanceof StopReason.HostError || r instanceof StopReason.LimitExceeded) {
                err.println("javisor: VM " + vm.id() + " (" + vm.name() + "): " + r.describe());
            }
            if (status == ExitStatus.OK) {
                status = r.exitStatus();
            }
        }
        return status;
    }
}
