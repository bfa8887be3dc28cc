package javisor.vm.config;

import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code devices.emu_devices}: {@code [name, base_gpa, length, irq_id, emu_type, cfg_list]},
 * all six required as in AxVisor.
 *
 * @param cfgList device-specific numbers, whose meaning depends on {@code emuType}
 */
public record EmulatedDeviceConfig(String name, long baseGpa, long length, long irqId, EmulatedDeviceType emuType,
                                   List<Long> cfgList) {
    public EmulatedDeviceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(emuType, "emuType");
        cfgList = List.copyOf(cfgList);
        Checks.require("length", Checks.rangeFits(baseGpa, length));
    }
}
