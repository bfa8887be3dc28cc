package javisor.vm.platform;

/**
 * A virtio-mmio transport as the guest must be told about it: register window and interrupt (virtio 1.2,
 * 4.2 "Virtio Over MMIO"). Linux finds these through an ACPI device with _HID "LNRO0005".
 *
 * @param base the guest-physical base of the register window
 * @param size the window's length (virtio-mmio registers take 0x100 bytes; 0x200 or a page is usual)
 * @param gsi  the IOAPIC input the device raises, edge-triggered and active high
 */
public record VirtioMmioDevice(long base, long size, int gsi) {
    public VirtioMmioDevice {
        if (size <= 0 || size > 0xffff_ffffL || Long.compareUnsigned(base, 0xffff_ffffL - size + 1) > 0) {
            throw new IllegalArgumentException("a virtio-mmio window must lie below 4 GiB (an ACPI Memory32Fixed "
                    + "descriptor): base 0x" + Long.toHexString(base) + ", size 0x" + Long.toHexString(size));
        }
        if (gsi < 0 || gsi >= PlatformLayout.IOAPIC_PINS || PlatformLayout.LEGACY_IRQS.contains(gsi)) {
            throw new IllegalArgumentException("virtio-mmio GSI " + gsi + " is not a free IOAPIC input (0-"
                    + (PlatformLayout.IOAPIC_PINS - 1) + " except the legacy IRQs " + PlatformLayout.LEGACY_IRQS + ")");
        }
    }
}
