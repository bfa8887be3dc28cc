package javisor.vm.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * {@code base.vm_type}: AxVisor's VMType, with its numbers. AxVisor reads unknown numbers as RTOS; Javisor
 * reports them, since a wrong number is more likely a typo than a wish for RTOS.
 */
public enum VmType {
    /** 0: a type-1.5 host VM (AxVisor only; Javisor treats it like the others). */
    HOST_VM(0),
    /** 1: a real-time or bare-metal guest; AxVisor's default. */
    RTOS(1),
    /** 2: a Linux guest. */
    LINUX(2);

    private final int code;

    VmType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<VmType> ofCode(long code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }
}
