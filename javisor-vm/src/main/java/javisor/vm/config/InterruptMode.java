package javisor.vm.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@code devices.interrupt_mode}, with the names and aliases AxVisor's serde accepts. */
public enum InterruptMode {
    /** {@code "no_irq"} (aliases {@code "no"}, {@code "none"}): the default. */
    NO_IRQ("no_irq", "no", "none"),
    /** {@code "emu"} (alias {@code "emulated"}). */
    EMULATED("emu", "emulated"),
    /** {@code "passthrough"} (alias {@code "pt"}): what every AxVisor example config uses. */
    PASSTHROUGH("passthrough", "pt");

    private final String tomlName;
    private final List<String> aliases;

    InterruptMode(String tomlName, String... aliases) {
        this.tomlName = tomlName;
        this.aliases = List.of(aliases);
    }

    /** The canonical name, which {@code toToml()} writes. */
    public String tomlName() {
        return tomlName;
    }

    public List<String> aliases() {
        return aliases;
    }

    public static Optional<InterruptMode> ofName(String name) {
        return Arrays.stream(values()).filter(m -> m.tomlName.equals(name) || m.aliases.contains(name)).findFirst();
    }
}
