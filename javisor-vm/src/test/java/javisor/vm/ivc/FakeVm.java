package javisor.vm.ivc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.sys.HostMapping;
import javisor.vcpu.hypercall.HypercallError;
import javisor.vm.hypercall.HypercallCaller;

/**
 * A VM as hypercalls and IVC see it, without KVM (a test double: KVM is what it stands in for): 1 MiB of real guest
 * RAM at 0 and a read-only page after it, an optional IVC window, shared mappings recorded instead of made into memory slots (at most
 * {@code slotLimit} of them), notifications and CpuUp calls counted.
 */
public final class FakeVm implements HypercallCaller, AutoCloseable {
    public static final long RAM = 1 << 20;
    /** A read-only page right after RAM. */
    public static final long ROM = RAM;

    private final long id;
    private final Optional<IvcWindow> window;
    private final GuestMemory memory;
    private final int slotLimit;
    /** slot -> (address, backing) */
    public final Map<Integer, Object[]> mappings = new TreeMap<>();
    public final List<long[]> cpuUps = new ArrayList<>();
    public int notifications;
    private int nextSlot = 1;

    public FakeVm(long id, Optional<IvcWindow> window, int slotLimit) {
        this.id = id;
        this.window = window;
        this.slotLimit = slotLimit;
        this.memory = GuestMemory.of(List.of(GuestRegion.allocate(GuestAddress.ZERO, RAM, RegionFlags.RWX),
                GuestRegion.allocate(GuestAddress.of(ROM), 0x1000, new RegionFlags(RegionFlags.READ))));
    }

    /** A VM with an IVC window of {@code length} bytes at 2 GiB, channels up to {@code max} bytes, IRQ 5. */
    public static FakeVm withWindow(long id, long length, long max, Set<Long> allowed) {
        return new FakeVm(id, Optional.of(new IvcWindow(0x8000_0000L, length, 5, max, allowed)), 64);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String describe() {
        return "VM " + id + " (fake)";
    }

    @Override
    public Optional<IvcWindow> ivcWindow() {
        return window;
    }

    @Override
    public synchronized int mapShared(long address, HostMapping backing) {
        if (mappings.size() >= slotLimit) {
            throw HypercallError.fail(HypercallError.ENOSPC, describe() + " has no KVM memory slot left");
        }
        int slot = nextSlot++;
        mappings.put(slot, new Object[] {address, backing});
        return slot;
    }

    @Override
    public synchronized void unmapShared(int slot, long address) {
        Object[] m = mappings.remove(slot);
        if (m == null || (long) m[0] != address) {
            throw new AssertionError("unmap of slot " + slot + " at 0x" + Long.toHexString(address)
                    + " that is not mapped there");
        }
    }

    @Override
    public synchronized boolean notifyIvc() {
        notifications++;
        return window.isPresent();
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long cpuUp(int caller, long target, long entry, long arg) {
        cpuUps.add(new long[] {caller, target, entry, arg});
        return 0;
    }

    /** The channel memory mapped at {@code address}, or null. */
    public synchronized HostMapping mappedAt(long address) {
        for (Object[] m : mappings.values()) {
            if ((long) m[0] == address) {
                return (HostMapping) m[1];
            }
        }
        return null;
    }

    @Override
    public void close() {
        memory.close();
    }
}
