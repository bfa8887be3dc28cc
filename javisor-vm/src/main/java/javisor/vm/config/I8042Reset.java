package javisor.vm.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** {@code devices.i8042_reset} (a Javisor extension): what a guest's reset through the i8042 (0xFE to 0x64) does. */
public enum I8042Reset {
    /** The VM stops as if powered off, as Firecracker does: {@code reboot=k} then ends a Linux guest. The default. */
    STOP,
    /** The VM stops with reason "reset", which the hypervisor may answer by booting it again. */
    RESET;

    public String tomlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<I8042Reset> ofName(String name) {
        return Arrays.stream(values()).filter(r -> r.tomlName().equals(name)).findFirst();
    }
}
