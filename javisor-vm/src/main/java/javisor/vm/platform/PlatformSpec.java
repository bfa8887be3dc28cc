package javisor.vm.platform;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the platform tables describe: the vCPUs (APIC id = vCPU id, vCPU 0 the boot processor), KVM's
 * in-kernel IOAPIC and PIC, the legacy devices (COM1, i8042, CMOS RTC) and the virtio-mmio transports.
 *
 * @param cpuCount    the number of vCPUs, 1 to {@link #MAX_CPUS}
 * @param virtioMmio  the virtio-mmio transports, in the order they get their ACPI _UID
 */
public record PlatformSpec(int cpuCount, List<VirtioMmioDevice> virtioMmio) {
    /**
     * x2APIC ids are 32-bit, so the ACPI tables could name more; 1024 is KVM's KVM_MAX_VCPUS on x86 (Linux 6.x,
     * arch/x86/include/asm/kvm_host.h), which KVM_CAP_MAX_VCPUS reports.
     */
    public static final int MAX_CPUS = 1024;

    public PlatformSpec {
        if (cpuCount < 1 || cpuCount > MAX_CPUS) {
            throw new IllegalArgumentException("cpu count " + cpuCount + " is not in 1.." + MAX_CPUS);
        }
        virtioMmio = List.copyOf(virtioMmio);
        Set<Integer> gsis = new HashSet<>();
        for (int i = 0; i < virtioMmio.size(); i++) {
            VirtioMmioDevice d = virtioMmio.get(i);
            if (!gsis.add(d.gsi())) {
                throw new IllegalArgumentException("two virtio-mmio devices share GSI " + d.gsi()
                        + "; their interrupts are edge-triggered and cannot be shared");
            }
            for (int j = 0; j < i; j++) {
                VirtioMmioDevice o = virtioMmio.get(j);
                if (Long.compareUnsigned(d.base(), o.base() + o.size()) < 0
                        && Long.compareUnsigned(o.base(), d.base() + d.size()) < 0) {
                    throw new IllegalArgumentException("virtio-mmio windows at 0x" + Long.toHexString(o.base())
                            + " and 0x" + Long.toHexString(d.base()) + " overlap");
                }
            }
        }
    }

    /** A platform with {@code cpuCount} vCPUs and no virtio devices. */
    public static PlatformSpec of(int cpuCount) {
        return new PlatformSpec(cpuCount, List.of());
    }
}
