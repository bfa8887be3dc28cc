package javisor.vm.ivc;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.EmulatedDeviceType;
import javisor.vm.config.VmConfig;

/**
 * A VM's IVC window: the guest-physical range its config reserves for inter-VM channels (an emulated device of
 * type IVCChannel, as in AxVisor), the interrupt line that notifications raise, the largest channel it may
 * publish or map, and which VMs may subscribe to its channels. Hands out page-aligned ranges first-fit and
 * takes them back, so freed space is reused (AxVisor never released them).
 */
public final class IvcWindow {
    public static final long PAGE = 0x1000;

    private final long base;
    private final long length;
    private final int irq;
    private final long maxChannelSize;
    private final Set<Long> allowedSubscribers;
    private final long publishLimit;
    private final TreeMap<Long, Long> used = new TreeMap<>(); // start -> size

    /** A window whose VM may publish as much as the window holds. */
    public IvcWindow(long base, long length, int irq, long maxChannelSize, Set<Long> allowedSubscribers) {
        this(base, length, irq, maxChannelSize, allowedSubscribers, Long.MAX_VALUE);
    }

    /** @param publishLimit the most bytes the VM's channels may hold in all (its {@code ivc_bytes} limit) */
    public IvcWindow(long base, long length, int irq, long maxChannelSize, Set<Long> allowedSubscribers,
                     long publishLimit) {
        this.publishLimit = publishLimit;
        this.base = base;
        this.length = length;
        this.irq = irq;
        this.maxChannelSize = maxChannelSize;
        this.allowedSubscribers = Set.copyOf(allowedSubscribers);
    }

    /** The window the config describes, if it has an IVCChannel device (the first one counts). */
    public static Optional<IvcWindow> of(VmConfig config) {
        for (EmulatedDeviceConfig d : config.devices().emuDevices()) {
            if (d.emuType() == EmulatedDeviceType.IVC_CHANNEL) {
                long max = d.cfgList().isEmpty() ? d.length() : d.cfgList().getFirst();
                Set<Long> allowed = Set.copyOf(d.cfgList().subList(Math.min(1, d.cfgList().size()),
                        d.cfgList().size()));
                return Optional.of(new IvcWindow(d.baseGpa(), d.length(), (int) d.irqId(), max, allowed,
                        config.limits().ivcBytes()));
            }
        }
        return Optional.empty();
    }

    public long base() {
        return base;
    }

    public long length() {
        return length;
    }

    /** The GSI notifications raise in this VM. */
    public int irq() {
        return irq;
    }

    public long maxChannelSize() {
        return maxChannelSize;
    }

    /** The most bytes this VM's channels may hold in all: its {@code ivc_bytes} limit. */
    public long publishLimit() {
        return publishLimit;
    }

    /** The VM ids that may subscribe to this VM's channels; empty means any VM. */
    public Set<Long> allowedSubscribers() {
        return allowedSubscribers;
    }

    /** A free page-aligned range of {@code size} bytes, reserved; empty if the window has no room. */
    public synchronized OptionalLong allocate(long size) {
        long at = base;
        for (Map.Entry<Long, Long> e : used.entrySet()) {
            if (e.getKey() - at >= size) {
                break;
            }
            at = e.getKey() + e.getValue();
        }
        if (base + length - at < size) {
            return OptionalLong.empty();
        }
        used.put(at, size);
        return OptionalLong.of(at);
    }

    public synchronized void release(long address) {
        used.remove(address);
    }

    /** True if {@code [address, address + size)} lies inside the window. */
    public boolean contains(long address, long size) {
        return address >= base && size >= 0 && address - base <= length - size;
    }
}
