package javisor.vm.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [devices]}: AxVisor's VMDevicesConfig. AxVisor requires {@code emu_devices} and
 * {@code passthrough_devices}; Javisor reads a missing list (or a missing {@code [devices]}) as empty.
 *
 * @param excludedDevices host device-tree paths to leave out (AxVisor aarch64 only; kept for compatibility)
 */
public record DevicesConfig(List<EmulatedDeviceConfig> emuDevices, List<PassthroughDeviceConfig> passthroughDevices,
                            InterruptMode interruptMode, List<List<String>> excludedDevices,
                            List<PassthroughAddressConfig> passthroughAddresses) {
    public static final DevicesConfig NONE =
            new DevicesConfig(List.of(), List.of(), InterruptMode.NO_IRQ, List.of(), List.of());

    public DevicesConfig {
        emuDevices = List.copyOf(emuDevices);
        passthroughDevices = List.copyOf(passthroughDevices);
        Objects.requireNonNull(interruptMode, "interruptMode");
        excludedDevices = excludedDevices.stream().map(List::copyOf).toList();
        passthroughAddresses = List.copyOf(passthroughAddresses);
    }
}
