package javisor.vm.config;

import java.util.Arrays;
import java.util.Optional;

/** {@code kernel.image_location}: where the images named in {@code [kernel]} are read from. */
public enum ImageLocation {
    /** Bundled into the Javisor jar at build time; paths name the bundled resources. */
    MEMORY("memory"),
    /** Read from the host file system when the VM is created; relative paths start at the config's directory. */
    FS("fs");

    private final String tomlName;

    ImageLocation(String tomlName) {
        this.tomlName = tomlName;
    }

    public String tomlName() {
        return tomlName;
    }

    public static Optional<ImageLocation> ofName(String name) {
        return Arrays.stream(values()).filter(l -> l.tomlName.equals(name)).findFirst();
    }
}
