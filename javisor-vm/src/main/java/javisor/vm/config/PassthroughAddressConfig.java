package javisor.vm.config;

/** One entry of {@code devices.passthrough_addresses}: an extra MMIO range mapped guest = host. */
public record PassthroughAddressConfig(long baseGpa, long length) {
    public PassthroughAddressConfig {
        Checks.require("length", Checks.rangeFits(baseGpa, length));
    }
}
