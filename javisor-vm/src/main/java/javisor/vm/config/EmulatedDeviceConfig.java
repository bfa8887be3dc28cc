package javisor.vm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code devices.emu_devices}: {@code [name, base_gpa, length, irq_id, emu_type, cfg_list]}, all six
 * required as in AxVisor, then two Javisor extensions for virtio devices, {@code path} and {@code read_only}.
 *
 * <p>For the virtio types: a VirtioBlk device's {@code path} is its raw disk image (required), {@code read_only}
 * (or a non-zero {@code cfg_list[0]}) makes it read-only, and its {@code name} is the id the guest reads (GET_ID,
 * at most 20 bytes); a VirtioConsole's {@code path} is the file its output goes to (without one, the VM's
 * console); a VirtioRng's {@code cfg_list[0]}, if given, is its rate limit in bytes a second.
 *
 * @param cfgList device-specific numbers, whose meaning depends on {@code emuType}
 * @param path    a file the device uses, relative to the config's folder
 */
public record EmulatedDeviceConfig(String name, long baseGpa, long length, long irqId, EmulatedDeviceType emuType,
                                   List<Long> cfgList, Optional<Path> path, boolean readOnly) {
    public EmulatedDeviceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(emuType, "emuType");
        Objects.requireNonNull(path, "path");
        cfgList = List.copyOf(cfgList);
        Checks.require("length", Checks.rangeFits(baseGpa, length));
    }

    /** AxVisor's six fields, with no path and not read-only. */
    public EmulatedDeviceConfig(String name, long baseGpa, long length, long irqId, EmulatedDeviceType emuType,
                                List<Long> cfgList) {
        this(name, baseGpa, length, irqId, emuType, cfgList, Optional.empty(), false);
    }

    /** Whether a VirtioBlk device is read-only: {@code read_only = true}, or a non-zero {@code cfg_list[0]}. */
    public boolean readOnlyDisk() {
        return readOnly || !cfgList.isEmpty() && cfgList.getFirst() != 0;
    }
}
