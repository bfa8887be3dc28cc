package javisor.vmm.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmState;
import javisor.vm.hypercall.HypercallHook;
import javisor.vm.ivc.IvcChannelInfo;
import javisor.vmm.VmInfo;
import javisor.vmm.Vmm;
import javisor.vmm.VmmException;

/**
 * One VM of a {@link Javisor}: its lifecycle (AxVisor's: LOADED, RUNNING, SUSPENDED, STOPPING, STOPPED), its serial
 * console (COM1, and virtio console ports without a file) as text and streams, its numbers and its hypercall hook.
 * A restart or a second start builds the VM afresh from its spec; this handle stays the same.
 *
 * <p>Closing it stops the VM if it runs and releases everything it holds: the KVM VM and vCPU file descriptors,
 * guest memory, vCPU and device threads, its IVC channels. Methods may be called from any thread; a refused change
 * of state throws a {@link VmmException} naming the VM and its state.
 */
public final class VirtualMachine implements AutoCloseable {
    private final Javisor javisor;
    private final Vmm vmm;
    private final long id;
    private final String name;
    private final ConsoleBuffer console;
    private volatile boolean closed;

    VirtualMachine(Javisor javisor, Vmm vmm, long id, String name, ConsoleBuffer console) {
        this.javisor = javisor;
        this.vmm = vmm;
        this.id = id;
        this.name = name;
        this.console = console;
    }

    /**
     * The VM id: the config's, or the lowest that was free for a kernel spec.
     *
     * @return the id
     */
    public long id() {
        return id;
    }

    /**
     * The VM's name: the config's, the kernel file's, or {@link VmSpec#withName}'s.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Boots the VM: a LOADED VM starts; a STOPPED one is built afresh from its spec first (new memory from the
     * images), so a second start is a real boot.
     *
     * @throws VmmException if the VM is neither LOADED nor STOPPED, or closed
     */
    public void start() {
        vmm.start(open());
    }

    /**
     * Stops the VM at once (the guest is not asked) and waits for its vCPU threads; a VM already STOPPED stays so.
     *
     * @throws VmmException if the VM did not stop within 5 s, or is closed
     */
    public void stop() {
        if (state() == VmState.STOPPED) {
            return;
        }
        try {
            vmm.stop(open(), true);
        } catch (VmmException e) {
            if (state() != VmState.STOPPED) { // else the guest stopped by itself meanwhile: what was asked
                throw e;
            }
        }
    }

    /**
     * Asks the guest to shut down, as the ACPI power button does, and waits up to {@code timeout} for it to power
     * off; then stops it as {@link #stop()} does. True if the guest shut down by itself (a guest without ACPI,
     * or that ignores the button, does not).
     *
     * @param timeout how long the guest has
     * @return whether it powered off by itself
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean shutdown(Duration timeout) throws InterruptedException {
        return vmm.stopGracefully(open(), timeout);
    }

    /** Every vCPU leaves the guest and parks until {@link #resume()}; the guest's time stands still meanwhile. */
    public void suspend() {
        vmm.suspend(open());
    }

    /** Continues a SUSPENDED VM. */
    public void resume() {
        vmm.resume(open());
    }

    /** A reset: stops the VM if it runs, builds it afresh from its spec and boots it. */
    public void restart() {
        vmm.restart(open(), true);
    }

    /**
     * Waits until the VM has stopped (the guest powered off, exited, failed, or was stopped), up to
     * {@code timeout}; true if it did. A VM that reboots on reset is waited for across the reboot only if the
     * reboot has not begun when this looks.
     *
     * @param timeout how long to wait at most
     * @return whether it stopped
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return vmm.await(open(), timeout);
    }

    /**
     * The lifecycle state now.
     *
     * @return the state
     */
    public VmState state() {
        return current().state();
    }

    /**
     * Why the VM last stopped: {@link StopReason.PowerOff}, {@link StopReason.DebugExit} with the code the guest
     * wrote to port 0xf4, {@link StopReason.GuestFailure} with the registers, ...
     *
     * @return the reason, or empty if it has not stopped
     */
    public Optional<StopReason> stopReason() {
        return Optional.ofNullable(current().stopReason());
    }

    /**
     * The VM's numbers now: state, uptime, exits by kind and vCPU, memory, stop reason.
     *
     * @return a snapshot
     */
    public VmMetrics metrics() {
        Vm vm = current();
        VmInfo info = vmm.info(open());
        return new VmMetrics(info.state(), Duration.ofNanos(info.uptimeNanos()), vm.exitTotal(), info.exits(),
                info.vcpuExits(), info.memoryBytes(), Optional.ofNullable(vm.stopReason()));
    }

    /**
     * The console output kept so far (the last 4 MiB since the VM was created, across restarts).
     *
     * @return it, decoded as UTF-8
     */
    public String consoleText() {
        return console.text();
    }

    /**
     * Waits until the console output contains {@code text}, the VM stops, or {@code timeout} passes; true if the
     * text came. For a test or a program that drives a guest step by step.
     *
     * @param text what to wait for
     * @param timeout how long to wait at most
     * @return whether the output contains it
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitConsole(String text, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(text, "text");
        return console.await(text, timeout.toNanos(), this::stoppedOrClosed);
    }

    /**
     * A stream of the console output, from the oldest byte kept: reads block until the guest writes, and the
     * stream ends once the VM has stopped (or is closed) and everything it wrote has been read. Each call gives a
     * reader of its own. A reader more than 4 MiB behind the guest skips ahead (the guest never waits for it).
     *
     * @return a new stream
     */
    public InputStream consoleOutput() {
        return console.reader(this::stoppedOrClosed);
    }

    /**
     * A stream to the console's input: what is written goes to the guest's UART receive FIFO as fast as the guest
     * empties it (and to its virtio console ports), as typed at a terminal; bytes a guest leaves unread for about
     * 200 ms are dropped, as a real UART's overrun drops them.
     *
     * @return a stream; closing it does nothing
     */
    public OutputStream consoleInput() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    vmm.console(open()).type(Arrays.copyOfRange(b, off, off + len));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while typing to VM " + id);
                } catch (VmmException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        };
    }

    /**
     * Types text to the console's input, as {@link #consoleInput()} does.
     *
     * @param text what to type, sent as UTF-8
     * @throws InterruptedException if interrupted while waiting for the guest to take it
     */
    public void type(String text) throws InterruptedException {
        vmm.console(open()).type(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Gives this VM's hypercalls of the embedder's range ({@link HypercallHook#FIRST} to {@link HypercallHook#LAST},
     * docs/hypercalls.md) to {@code hook} from now on; null gives them {@code -ENOSYS} again. Set it before
     * {@link #start()} for calls the guest makes as it boots. The hook runs on the calling vCPU's thread.
     *
     * @param hook the hook, or null for none
     */
    public void onHypercall(HypercallHook hook) {
        open();
        javisor.hook(id, hook);
    }

    /**
     * The inter-VM channels this VM publishes or subscribes to.
     *
     * @return a snapshot of each
     */
    public List<IvcChannelInfo> ivcChannels() {
        return javisor.ivcChannels().stream()
                .filter(c -> c.publisherId() == id || c.subscriberAddresses().containsKey(id)).toList();
    }

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /** Stops the VM if it runs and releases all it holds; its console streams end. Closing twice does nothing. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            vmm.delete(id, true, false);
        } catch (VmmException gone) {
            // the hypervisor was closed first and took the VM with it
        } finally {
            javisor.forget(id);
            console.close();
        }
    }

    @Override
    public String toString() {
        return "VM " + id + " (" + name + ")";
    }

    private long open() {
        if (closed) {
            throw new VmmException("VM " + id + " (" + name + ") is closed");
        }
        return id;
    }

    private Vm current() {
        return vmm.vm(open());
    }

    private boolean stoppedOrClosed() {
        if (closed) {
            return true;
        }
        try {
            return vmm.vm(id).state() == VmState.STOPPED;
        } catch (VmmException gone) {
            return true;
        }
    }
}
