package javisor.vm.config;

import java.util.Objects;

/**
 * One entry of {@code devices.passthrough_devices}: {@code [name, base_gpa, base_hpa, length, irq_id]}. Only
 * the name is required; the numbers default to 0, as in AxVisor (whose aarch64 configs name a host device
 * tree node, such as {@code ["/"]}, instead of giving addresses).
 */
public record PassthroughDeviceConfig(String name, long baseGpa, long baseHpa, long length, long irqId) {
    public PassthroughDeviceConfig {
        Objects.requireNonNull(name, "name");
        Checks.require("length", Checks.rangeFits(baseGpa, length));
        Checks.require("length", Checks.rangeFits(baseHpa, length));
    }

    /** A device given by name only. */
    public static PassthroughDeviceConfig named(String name) {
        return new PassthroughDeviceConfig(name, 0, 0, 0, 0);
    }
}
