package javisor.api.firecracker;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javisor.api.firecracker.ApiTypes.BootSource;
import javisor.api.firecracker.ApiTypes.Drive;
import javisor.api.firecracker.ApiTypes.EntropyDevice;
import javisor.api.firecracker.ApiTypes.FullVmConfiguration;
import javisor.api.firecracker.ApiTypes.InstanceInfo;
import javisor.api.firecracker.ApiTypes.MachineConfiguration;
import javisor.api.firecracker.ApiTypes.Metrics;
import javisor.api.firecracker.ApiTypes.NetworkInterface;
import javisor.api.firecracker.ApiTypes.PartialDrive;
import javisor.api.firecracker.ApiTypes.PartialNetworkInterface;
import javisor.api.firecracker.ApiTypes.SerialDevice;
import javisor.api.firecracker.ApiTypes.Vsock;
import javisor.api.metrics.VmSample;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmCreateException;
import javisor.vm.config.ConfigException;
import javisor.vm.config.VmConfig;
import javisor.vmm.ConsoleLoggerFinder;
import javisor.vmm.ExitStatus;
import javisor.vmm.NonClosingOutputStream;
import javisor.vmm.VirtualizationUnavailableException;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;

/**
 * One Firecracker microVM: the resources configured before InstanceStart, then the running VM, its logger and
 * its metrics. Every API operation is one synchronized method here (the API serves one client request at a time
 * anyway); none of them is on a vCPU's path. {@link #exitStatus} completes when the guest stops, and the process
 * ends with it, as Firecracker's does.
 */
final class FirecrackerInstance implements AutoCloseable {
    /** The microVM's states as GET / names them. */
    enum State {
        NOT_STARTED("Not started"), RUNNING("Running"), PAUSED("Paused");

        final String apiName;

        State(String apiName) {
            this.apiName = apiName;
        }
    }

    static final String APP_NAME = "Javisor";
    /** The version of Firecracker's API this one answers as (its OpenAPI document's, without "-dev"). */
    static final String FIRECRACKER_API_VERSION = "1.17.0";
    /** Firecracker writes metrics every minute. */
    static final long METRICS_PERIOD_SECONDS = 60;
    private static final System.Logger LOG = Logs.get("javisor.api.firecracker");

    private final String id;
    private final String vmmVersion;
    private final InputStream in;
    private final PrintStream out;
    private final VmResources resources = new VmResources();
    private final FirecrackerMetrics metrics;
    private final CompletableFuture<Integer> exitStatus = new CompletableFuture<>();
    private State state = State.NOT_STARTED;
    private Vmm vmm;
    private long vmId;
    private ApiTypes.Logger logger;
    private PrintStream logFile;
    private Metrics metricsConfig;
    private OutputStream metricsOut;
    private ScheduledExecutorService metricsTimer;

    /**
     * @param in  the serial console's input (standard input, as Firecracker's)
     * @param out where the serial console goes without a serial_out_path (standard output)
     */
    FirecrackerInstance(String id, String vmmVersion, InputStream in, PrintStream out, FirecrackerMetrics metrics) {
        this.id = id;
        this.vmmVersion = vmmVersion;
        this.in = in;
        this.out = out;
        this.metrics = metrics;
    }

    FirecrackerMetrics metrics() {
        return metrics;
    }

    /** Completes with the process's exit status once the guest has stopped. */
    CompletableFuture<Integer> exitStatus() {
        return exitStatus;
    }

    synchronized InstanceInfo info() {
        return new InstanceInfo(APP_NAME, id, state.apiName, vmmVersion);
    }

    synchronized State state() {
        return state;
    }

    synchronized MachineConfiguration machineConfig() {
        return resources.machine();
    }

    synchronized void putMachineConfig(MachineConfiguration m) {
        preBoot();
        resources.setMachine(m.requireComplete());
    }

    synchronized void patchMachineConfig(MachineConfiguration patch) {
        preBoot();
        resources.setMachine(resources.machine().patchedWith(patch));
    }

    synchronized void putBootSource(BootSource b) {
        preBoot();
        resources.setBootSource(b);
    }

    synchronized void putDrive(String pathId, Drive d) {
        preBoot();
        resources.putDrive(pathId, d);
    }

    /** After boot Firecracker swaps a drive's file or its rate limiter; Javisor has neither, so only a no-op passes. */
    synchronized void patchDrive(String pathId, PartialDrive d) {
        postBoot();
        if (!pathId.equals(d.driveId())) {
            throw new BadRequest("The id from the path does not match the id from the body!");
        }
        if (resources.drives().stream().noneMatch(x -> x.driveId().equals(pathId))) {
            throw new BadRequest("Unable to patch the block device: no drive with id " + pathId + ".");
        }
        if (d.pathOnHost() != null || d.rateLimiter() != null && d.rateLimiter().limits()) {
            throw new BadRequest("Javisor cannot honour a drive update after boot: its virtio-blk keeps the file it "
                    + "started with and has no rate limiter.");
        }
    }

    synchronized void putNetworkInterface(String pathId, NetworkInterface n) {
        preBoot();
        resources.putNetworkInterface(pathId, n);
    }

    synchronized void patchNetworkInterface(String pathId, PartialNetworkInterface n) {
        postBoot();
        if (!pathId.equals(n.ifaceId())) {
            throw new BadRequest("The id from the path does not match the id from the body!");
        }
        if (resources.networkInterfaces().stream().noneMatch(x -> x.ifaceId().equals(pathId))) {
            throw new BadRequest("Unable to patch the network interface: no interface with id " + pathId + ".");
        }
        if (n.rxRateLimiter() != null && n.rxRateLimiter().limits()
                || n.txRateLimiter() != null && n.txRateLimiter().limits()) {
            throw new BadRequest("Javisor cannot honour network interface " + pathId + ": rate limiters: Javisor's "
                    + "virtio-net has none.");
        }
    }

    synchronized void putVsock(Vsock v) {
        preBoot();
        resources.setVsock(v);
    }

    synchronized void putEntropy(EntropyDevice e) {
        preBoot();
        resources.setEntropy(e);
    }

    synchronized void putSerial(SerialDevice s) {
        preBoot();
        resources.setSerial(s);
    }

    /** PUT /logger: the level (Firecracker's names) and where the lines go (a file or a named pipe). */
    synchronized void putLogger(ApiTypes.Logger l) {
        if (l.level() != null) {
            ConsoleLoggerFinder.setLevel(l.level());
        }
        if (l.logPath() != null) {
            PrintStream opened = openForAppend(l.logPath(), "log_path");
            Logs.setOutput(opened);
            if (logFile != null) {
                logFile.close();
            }
            logFile = opened;
        }
        logger = l;
    }

    /** PUT /metrics: once only, as in Firecracker; lines go out every minute and on FlushMetrics. */
    synchronized void putMetrics(Metrics m) {
        if (metricsConfig != null) {
            throw new BadRequest("Reinitialization of metrics not allowed.");
        }
        PrintStream opened = openForAppend(m.metricsPath(), "metrics_path");
        metricsOut = opened;
        metricsConfig = m;
        metricsTimer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("firecracker-metrics").unstarted(r));
        metricsTimer.scheduleAtFixedRate(this::flushQuietly, METRICS_PERIOD_SECONDS, METRICS_PERIOD_SECONDS,
                TimeUnit.SECONDS);
    }

    synchronized void flushMetrics() {
        if (metricsConfig == null) {
            throw new BadRequest("The metrics system was not initialized: PUT /metrics first.");
        }
        try {
            metrics.writeLine(metricsOut, metrics.line(System.currentTimeMillis(), id,
                    Boolean.TRUE.equals(metricsConfig.emitId()), metricsConfig.properties(), sample()));
        } catch (IOException e) {
            throw new BadRequest("Cannot write metrics to " + metricsConfig.metricsPath() + ": " + e.getMessage()
                    + ".");
        }
    }

    private void flushQuietly() {
        try {
            flushMetrics();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics: " + e.getMessage());
        }
    }

    /** The running VM's numbers, once it runs. */
    synchronized Optional<VmSample> sample() {
        return vmm == null ? Optional.empty() : Optional.of(VmSample.of(vmm, vmId));
    }

    synchronized FullVmConfiguration fullConfig() {
        return new FullVmConfiguration(resources.bootSource(), resources.machine(), resources.drives(),
                resources.networkInterfaces(), resources.vsock(), resources.entropy(), logger, metricsConfig, null,
                null, null, null, null);
    }

    /** {@code --config-file}: the same resources as the API's PUTs, in Firecracker's order, then InstanceStart. */
    synchronized void applyConfigFile(FullVmConfiguration c) {
        for (Object unsupported : new Object[] {c.balloon(), c.cpuConfig(), c.mmdsConfig(), c.memoryHotplug()}) {
            if (unsupported != null) {
                throw new BadRequest("Javisor cannot honour the config file's balloon, cpu-config, mmds-config and "
                        + "memory-hotplug sections: it has none of these devices.");
            }
        }
        if (c.pmem() != null && !c.pmem().isEmpty()) {
            throw new BadRequest("Javisor cannot honour the config file's pmem section: it has no virtio-pmem.");
        }
        if (c.logger() != null) {
            putLogger(c.logger());
        }
        if (c.metrics() != null) {
            putMetrics(c.metrics());
        }
        if (c.bootSource() == null) {
            throw new BadRequest("The config file has no boot-source.");
        }
        putBootSource(c.bootSource());
        if (c.machineConfig() != null) {
            putMachineConfig(c.machineConfig());
        }
        for (Drive d : listOrEmpty(c.drives())) {
            putDrive(d.driveId(), d);
        }
        for (NetworkInterface n : listOrEmpty(c.networkInterfaces())) {
            putNetworkInterface(n.ifaceId(), n);
        }
        if (c.vsock() != null) {
            putVsock(c.vsock());
        }
        if (c.entropy() != null) {
            putEntropy(c.entropy());
        }
        start();
    }

    private static <T> List<T> listOrEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    /** InstanceStart: builds the VM from the resources and starts its vCPUs. */
    synchronized void start() {
        preBoot();
        VmConfig config = resources.toVmConfig();
        try {
            Vmm.checkVirtualization();
        } catch (VirtualizationUnavailableException e) {
            throw new BadRequest("Cannot start microvm: KVM is not usable: " + e.getMessage() + ".");
        }
        OutputStream console;
        Optional<Path> serialOut = resources.serialOut();
        try {
            console = serialOut.isPresent() ? Files.newOutputStream(serialOut.get(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND) : new NonClosingOutputStream(out);
        } catch (IOException e) {
            throw new BadRequest("Cannot open serial_out_path " + serialOut.get() + ": " + e.getMessage() + ".");
        }
        Vmm created;
        try {
            created = Vmm.init(List.of(new Vmm.VmDefinition(config, ImageResolver.directory(Path.of("")))),
                    c -> console);
        } catch (VmCreateException | ConfigException | VmmException e) {
            closeQuietly(console);
            throw new BadRequest("Cannot start microvm: " + e.getMessage() + ".");
        }
        vmId = config.base().id();
        try {
            if (in != System.in || LibC.readableWithoutStopping(0)) {
                created.console(vmId).typeFrom(in);
            }
            created.start();
        } catch (VmmException | VmCreateException e) {
            created.close();
            closeQuietly(console);
            throw new BadRequest("Cannot start microvm: " + e.getMessage() + ".");
        }
        vmm = created;
        state = State.RUNNING;
        Thread.ofPlatform().daemon().name("firecracker-vm-watch").start(() -> watch(created, console));
    }

    /** Waits for the guest to stop, then completes {@link #exitStatus} with its status. */
    private void watch(Vmm v, OutputStream console) {
        int status;
        try {
            v.awaitAll();
            Vm vm = v.vm(vmId);
            StopReason r = vm.stopReason();
            if (r instanceof StopReason.GuestFailure(String summary, String report)) {
                LOG.log(System.Logger.Level.ERROR, vm.describe() + " failed: " + report);
            } else if (r != null) {
                LOG.log(System.Logger.Level.INFO, vm.describe() + ": " + r.describe());
            }
            status = r == null ? ExitStatus.OK : r.exitStatus();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = ExitStatus.HOST_ERROR;
        }
        closeQuietly(console);
        exitStatus.complete(status);
    }

    synchronized void pause() {
        postBoot();
        if (state == State.RUNNING) {
            try {
                vmm.suspend(vmId);
            } catch (VmmException e) {
                throw new BadRequest("Failed to pause the microVM: " + e.getMessage() + ".");
            }
            state = State.PAUSED;
        }
    }

    synchronized void resume() {
        postBoot();
        if (state == State.PAUSED) {
            try {
                vmm.resume(vmId);
            } catch (VmmException e) {
                throw new BadRequest("Failed to resume the microVM: " + e.getMessage() + ".");
            }
            state = State.RUNNING;
        }
    }

    /**
     * SendCtrlAltDel asks the guest to shut down. Firecracker injects the keys through its i8042; Javisor's
     * machine has no keyboard, so it presses the ACPI power button, which Linux answers the same way (an orderly
     * shutdown, with acpid or systemd-logind).
     */
    synchronized void sendCtrlAltDel() {
        postBoot();
        vmm.vm(vmId).pressPowerButton();
    }

    private void preBoot() {
        if (state != State.NOT_STARTED) {
            throw new BadRequest("The requested operation is not supported after starting the microVM.");
        }
    }

    private void postBoot() {
        if (state == State.NOT_STARTED) {
            throw new BadRequest("The requested operation is not supported before starting the microVM.");
        }
    }

    /** A file or named pipe to write lines to: appended to, created if missing (Firecracker's log and metrics). */
    private static PrintStream openForAppend(String path, String field) {
        if (path.isEmpty()) {
            throw new BadRequest("Invalid " + field + ": the path is empty.");
        }
        try {
            Path p = Path.of(path);
            // A named pipe is opened read-write, as Firecracker opens it: a write-only open would wait for a reader.
            FileOutputStream sink = Files.exists(p) && !Files.isRegularFile(p)
                    ? new FileOutputStream(new RandomAccessFile(path, "rw").getFD())
                    : new FileOutputStream(path, true);
            return new PrintStream(sink, true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadRequest("Cannot open " + field + " " + path + ": " + e.getMessage() + ".");
        }
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the console's last bytes are lost; nothing else depends on them
        }
    }

    /** Writes a last metrics line, stops the VM if it still runs, and closes the files. */
    @Override
    public synchronized void close() {
        if (metricsConfig != null) {
            flushQuietly(); // while the VM is still there to be sampled
            metricsTimer.shutdownNow();
            closeQuietly(metricsOut);
        }
        if (vmm != null) {
            vmm.close();
        }
        if (logFile != null) {
            Logs.setOutput(null);
            logFile.close();
        }
    }
}
