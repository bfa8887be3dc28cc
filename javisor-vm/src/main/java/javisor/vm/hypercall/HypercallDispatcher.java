package javisor.vm.hypercall;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.vcpu.hypercall.Hypercall;
import javisor.vcpu.hypercall.HypercallAbi;
import javisor.vcpu.hypercall.HypercallError;
import javisor.vm.StopReason;
import javisor.vm.ivc.IvcService;

/**
 * Decodes a hypercall, checks its arguments and carries it out (AxVisor's hvc.rs). Guests are hostile: every
 * pointer is checked to lie in the caller's RAM, aligned, before anything is read or written, and every failure
 * is an error code in RAX, never an exception out of the vCPU loop.
 */
public final class HypercallDispatcher {
    private static final System.Logger LOG = Logs.get("javisor.vm");
    private static final int MAX_DEBUG_STRING = 4096;

    /** What the vCPU loop does after a hypercall. */
    public sealed interface Outcome {
        /** Put {@code value} in RAX and continue. */
        record Result(long value) implements Outcome {
        }

        /** The VM stops. */
        record Stop(StopReason reason) implements Outcome {
        }

        /** The calling vCPU stops until a CpuUp. */
        record CpuDown() implements Outcome {
        }
    }

    private final IvcService ivc;
    /** Read once per call of an embedder's number only, so Javisor's own hypercalls never look at it. */
    private volatile HypercallHook hook;

    public HypercallDispatcher(IvcService ivc) {
        this.ivc = ivc;
    }

    /** Sends the numbers of {@link HypercallHook}'s range to {@code hook} from now on; null sends none. */
    public void hook(HypercallHook hook) {
        this.hook = hook;
    }

    /** Carries out hypercall {@code nr} that vCPU {@code vcpuId} of {@code vm} made with {@code args}. */
    public Outcome dispatch(HypercallCaller vm, int vcpuId, long nr, long[] args) {
        try {
            // Absent arguments read as 0. No copy, lambda or Optional of its own on the way: a hypercall allocates
            // little (docs/performance.md, "Thirteenth round").
            long[] a = args.length >= HypercallAbi.ARGUMENTS.length ? args
                    : Arrays.copyOf(args, HypercallAbi.ARGUMENTS.length);
            Optional<Hypercall> known = Hypercall.of(nr);
            return known.isPresent() ? call(known.get(), vm, vcpuId, a) : embedders(vm, vcpuId, nr, a);
        } catch (HypercallError.Failure f) {
            LOG.log(Level.DEBUG, "{0}: hypercall {1} failed: {2}", vm.describe(), nr, f.getMessage());
            return new Outcome.Result(f.code());
        }
    }

    private Outcome embedders(HypercallCaller vm, int vcpuId, long nr, long[] a) {
        HypercallHook h = hook;
        if (h == null || !HypercallHook.embedders(nr)) {
            return new Outcome.Result(HypercallError.ENOSYS);
        }
        try {
            return new Outcome.Result(h.handle(vm.id(), vcpuId, nr, a));
        } catch (RuntimeException e) {
            // The embedder's bug, not the guest's: stop the VM loudly rather than hand the guest a made-up errno.
            LOG.log(Level.ERROR, vm.describe() + ": hypercall hook failed on hypercall " + nr, e);
            return new Outcome.Stop(new StopReason.HostError("hypercall hook failed on hypercall 0x"
                    + Long.toHexString(nr) + ": " + e));
        }
    }

    private Outcome call(Hypercall h, HypercallCaller vm, int vcpuId, long[] a) {
        GuestMemory m = vm.memory();
        return switch (h) {
            case HYPERVISOR_DISABLE, PREPARE_DISABLE -> new Outcome.Result(HypercallError.EPERM);
            case DEBUG -> {
                if (a[1] < 0 || a[1] > MAX_DEBUG_STRING) {
                    throw HypercallError.fail(HypercallError.EINVAL, "Debug: length " + a[1]);
                }
                requireRam(m, a[0], a[1], 1);
                String text = new String(m.read(GuestAddress.of(a[0]), (int) a[1]), StandardCharsets.UTF_8);
                LOG.log(Level.INFO, "{0} vCPU {1}: {2}", vm.describe(), vcpuId, text);
                yield new Outcome.Result(0);
            }
            case IVC_PUBLISH -> {
                requireWritableRam(m, a[1], 8, 8);
                requireWritableRam(m, a[2], 8, 8);
                long[] r = ivc.publish(vm, a[0], m.readU64(GuestAddress.of(a[2])));
                m.writeU64(GuestAddress.of(a[1]), r[0]);
                m.writeU64(GuestAddress.of(a[2]), r[1]);
                yield new Outcome.Result(0);
            }
            case IVC_SUBSCRIBE -> {
                requireWritableRam(m, a[2], 8, 8);
                requireWritableRam(m, a[3], 8, 8);
                long[] r = ivc.subscribe(vm, a[0], a[1]);
                m.writeU64(GuestAddress.of(a[2]), r[0]);
                m.writeU64(GuestAddress.of(a[3]), r[1]);
                yield new Outcome.Result(0);
            }
            case IVC_UNPUBLISH -> {
                ivc.unpublish(vm, a[0]);
                yield new Outcome.Result(0);
            }
            case IVC_UNSUBSCRIBE -> {
                ivc.unsubscribe(vm, a[0], a[1]);
                yield new Outcome.Result(0);
            }
            case IVC_NOTIFY -> new Outcome.Result(ivc.notify(vm, a[0], a[1]));
            case CPU_UP -> new Outcome.Result(vm.cpuUp(vcpuId, a[0], a[1], a[2]));
            case CPU_DOWN -> new Outcome.CpuDown();
            case SYSTEM_DOWN -> new Outcome.Stop(new StopReason.SystemDown(a[0]));
            case GET_VM_ID -> new Outcome.Result(vm.id());
        };
    }

    /** As {@link #requireRam}, and the guest may write there (the hypervisor writes results to it). */
    static void requireWritableRam(GuestMemory memory, long address, long length, int alignment) {
        requireRam(memory, address, length, alignment);
        if (memory.regionAt(GuestAddress.of(address)).orElseThrow().readOnly()
                || memory.regionAt(GuestAddress.of(address + length - 1)).orElseThrow().readOnly()) {
            throw HypercallError.fail(HypercallError.EFAULT, "pointer 0x" + Long.toHexString(address)
                    + " is read-only memory");
        }
    }

    /** Fails with EFAULT unless {@code [address, address + length)} is the caller's RAM and aligned. */
    static void requireRam(GuestMemory memory, long address, long length, int alignment) {
        if ((address & (alignment - 1)) != 0 || !memory.contains(GuestAddress.of(address), length)) {
            throw HypercallError.fail(HypercallError.EFAULT, "pointer 0x" + Long.toHexString(address)
                    + " (" + length + " bytes) is not aligned RAM of the caller");
        }
    }
}
