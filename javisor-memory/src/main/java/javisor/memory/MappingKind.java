package javisor.memory;

import java.util.Optional;

/**
 * How a region's host backing is obtained: AxVisor's three mapping types, as they mean under KVM.
 * The numbers are the {@code map_type} values of AxVisor's config.
 */
public enum MappingKind {
    /**
     * 0: Javisor allocates zeroed anonymous host memory and maps it at the configured guest-physical
     * address. Pages are allocated on first touch.
     */
    MAP_ALLOC(0),
    /**
     * 1: AxVisor maps the allocation at the guest-physical address equal to its host-physical one. A KVM
     * user process has no host-physical addresses, so under KVM the region is allocated as MAP_ALLOC and its
     * guest-physical address is exactly the configured one: the guest sees its memory where the config says.
     */
    MAP_IDENTICAL(1),
    /**
     * 2: maps a host backing that already exists (a file, or a shared-memory object such as a memfd or a
     * file under /dev/shm) without allocating anything; writes by the guest land in that backing.
     */
    MAP_RESERVED(2);

    private final int code;

    MappingKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<MappingKind> ofCode(long code) {
        for (MappingKind k : values()) {
            if (k.code == code) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
