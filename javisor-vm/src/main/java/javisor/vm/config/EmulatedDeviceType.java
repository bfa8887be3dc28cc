package javisor.vm.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * {@code emu_type} of an emulated device: AxVisor's EmulatedDeviceType with its numbers (0x00-0x1F
 * abstract devices, 0x20-0x2F interrupt-controller parts, 0xE0-0xEF virtio). AxVisor reads unknown numbers
 * as Dummy; Javisor reports them.
 */
public enum EmulatedDeviceType {
    DUMMY(0x0),
    INTERRUPT_CONTROLLER(0x1),
    CONSOLE(0x2),
    IVC_CHANNEL(0xA),
    GPPT_REDISTRIBUTOR(0x20),
    GPPT_DISTRIBUTOR(0x21),
    GPPT_ITS(0x22),
    PPPT_GLOBAL(0x30),
    VIRTIO_BLK(0xE1),
    VIRTIO_NET(0xE2),
    VIRTIO_CONSOLE(0xE3),
    /** A Javisor extension: virtio-rng (AxVisor has no entropy device). */
    VIRTIO_RNG(0xE4),
    /** A Javisor extension: virtio-vsock, with Firecracker's host Unix-socket scheme. */
    VIRTIO_VSOCK(0xE5);

    private final int code;

    EmulatedDeviceType(int code) {
        this.code = code;
    }

    /** A virtio-mmio device, which Javisor builds (the other types are parsed and checked, not emulated). */
    public boolean isVirtio() {
        return this == VIRTIO_BLK || this == VIRTIO_NET || this == VIRTIO_CONSOLE || this == VIRTIO_RNG
                || this == VIRTIO_VSOCK;
    }

    public int code() {
        return code;
    }

    /** As in AxVisor: interrupt controllers, GPPT redistributors and virtio devices may be removed at run time. */
    public boolean removable() {
        return switch (this) {
            case INTERRUPT_CONTROLLER, GPPT_REDISTRIBUTOR, VIRTIO_BLK, VIRTIO_NET, VIRTIO_CONSOLE, VIRTIO_RNG,
                 VIRTIO_VSOCK -> true;
            default -> false;
        };
    }

    public static Optional<EmulatedDeviceType> ofCode(long code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }
}
