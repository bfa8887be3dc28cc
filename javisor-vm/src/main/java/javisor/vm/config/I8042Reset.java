package javisor.vm.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code devices.i8042_reset} (a Javisor extension): what a guest's reset of the machine does, through the i8042
 * (0xFE to port 0x64) or through System Control Port A (bit 0 of port 0x92). The key is named after the first,
 * which it was made for; one key for both, since a guest picks either way to reset the same PC.
 */
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
