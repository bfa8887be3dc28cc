package javisor.vm.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [devices]}: AxVisor's VMDevicesConfig. AxVisor requires {@code emu_devices} and
 * {@code passthrough_devices}; Javisor reads a missing list (or a missing {@code [devices]}) as empty.
 *
 * @param excludedDevices host device-tree paths to leave out (AxVisor aarch64 only; kept for compatibility)
 * @param i8042Reset      what the guest's reset through the keyboard controller does (Javisor's {@code i8042_reset})
 */
public record DevicesConfig(List<EmulatedDeviceConfig> emuDevices, List<PassthroughDeviceConfig> passthroughDevices,
                            InterruptMode interruptMode, List<List<String>> excludedDevices,
                            List<PassthroughAddressConfig> passthroughAddresses, I8042Reset i8042Reset) {
    public static final DevicesConfig NONE =
            new DevicesConfig(List.of(), List.of(), InterruptMode.NO_IRQ, List.of(), List.of());

    /** A {@code [devices]} whose i8042 reset stops the VM. */
    public DevicesConfig(List<EmulatedDeviceConfig> emuDevices, List<PassthroughDeviceConfig> passthroughDevices,
                         InterruptMode interruptMode, List<List<String>> excludedDevices,
                         List<PassthroughAddressConfig> passthroughAddresses) {
        this(emuDevices, passthroughDevices, interruptMode, excludedDevices, passthroughAddresses, I8042Reset.STOP);
    }

    public DevicesConfig {
        emuDevices = List.copyOf(emuDevices);
        passthroughDevices = List.copyOf(passthroughDevices);
        Objects.requireNonNull(interruptMode, "interruptMode");
        excludedDevices = excludedDevices.stream().map(List::copyOf).toList();
        passthroughAddresses = List.copyOf(passthroughAddresses);
        Objects.requireNonNull(i8042Reset, "i8042Reset");
    }
}
