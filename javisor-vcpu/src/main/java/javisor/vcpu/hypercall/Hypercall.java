package javisor.vcpu.hypercall;

import java.util.Optional;

/**
 * The hypercall numbers (docs/hypercalls.md). AxVisor's keep their numbers; Javisor's follow.
 * {@code guests/sdk/javisor_hypercall.h} defines the same numbers, checked by a test.
 */
public enum Hypercall {
    HYPERVISOR_DISABLE(0),
    PREPARE_DISABLE(1),
    DEBUG(2),
    IVC_PUBLISH(3),
    IVC_SUBSCRIBE(4),
    IVC_UNPUBLISH(5),
    IVC_UNSUBSCRIBE(6),
    CPU_UP(7),
    CPU_DOWN(8),
    SYSTEM_DOWN(9),
    GET_VM_ID(10),
    IVC_NOTIFY(11);

    private static final Hypercall[] ALL = values(); // values() copies its array on every call

    private final long nr;
    /** This constant as {@link #of}'s answer, made once. */
    private final Optional<Hypercall> asFound;

    Hypercall(long nr) {
        this.nr = nr;
        this.asFound = Optional.of(this);
    }

    public long nr() {
        return nr;
    }

    /** The number's hypercall. Allocates nothing: it runs on every hypercall. */
    public static Optional<Hypercall> of(long nr) {
        for (Hypercall h : ALL) {
            if (h.nr == nr) {
                return h.asFound;
            }
        }
        return Optional.empty();
    }
}
