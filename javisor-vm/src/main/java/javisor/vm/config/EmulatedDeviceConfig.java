package javisor.vm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One entry of {@code devices.emu_devices}: {@code [name, base_gpa, length, irq_id, emu_type, cfg_list]}, all six
 * required as in AxVisor, then Javisor's extensions for virtio devices, {@code path}, {@code read_only}, {@code tap},
 * {@code mac} and {@code guest_cid}.
 *
 * <p>For the virtio types: a VirtioBlk device's {@code path} is its raw disk image (required), {@code read_only}
 * (or a non-zero {@code cfg_list[0]}) makes it read-only, and its {@code name} is the id the guest reads (GET_ID,
 * at most 20 bytes); a VirtioConsole's {@code path} is the file its output goes to (without one, the VM's
 * console); a VirtioRng's {@code cfg_list[0]}, if given, is its rate limit in bytes a second; a VirtioNet device's
 * {@code tap} is the host tap it is wired to (required) and {@code mac} the guest's address (default
 * {@link MacAddress#of}); a VirtioVsock's {@code guest_cid} is the guest's context id (3 or more) and {@code path}
 * the host Unix socket of Firecracker's scheme (both required).
 *
 * @param cfgList device-specific numbers, whose meaning depends on {@code emuType}
 * @param path    a file the device uses, relative to the config's folder
 */
public record EmulatedDeviceConfig(String name, long baseGpa, long length, long irqId, EmulatedDeviceType emuType,
                                   List<Long> cfgList, Optional<Path> path, boolean readOnly, Optional<String> tap,
                                   Optional<MacAddress> mac, OptionalLong guestCid) {
    /** The smallest context id a guest may have: 0-2 are the hypervisor's and the host's (virtio 1.2, 5.10.4). */
    public static final long MIN_GUEST_CID = 3;
    /** CIDs are 32 bits in Linux's sockaddr_vm; 0xffffffff is VMADDR_CID_ANY. */
    public static final long MAX_GUEST_CID = 0xffff_fffeL;

    public EmulatedDeviceConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(emuType, "emuType");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tap, "tap");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(guestCid, "guestCid");
        cfgList = List.copyOf(cfgList);
        Checks.require("length", Checks.rangeFits(baseGpa, length));
        if (tap.isPresent() && emuType != EmulatedDeviceType.VIRTIO_NET
                || mac.isPresent() && emuType != EmulatedDeviceType.VIRTIO_NET) {
            throw new IllegalArgumentException((tap.isPresent() ? "tap" : "mac") + ": only a VirtioNet device (emu_type "
                    + Checks.hex(EmulatedDeviceType.VIRTIO_NET.code()) + ") has one");
        }
        if (guestCid.isPresent() && emuType != EmulatedDeviceType.VIRTIO_VSOCK) {
            throw new IllegalArgumentException("guest_cid: only a VirtioVsock device (emu_type "
                    + Checks.hex(EmulatedDeviceType.VIRTIO_VSOCK.code()) + ") has one");
        }
        if (guestCid.isPresent() && (guestCid.getAsLong() < MIN_GUEST_CID || guestCid.getAsLong() > MAX_GUEST_CID)) {
            throw new IllegalArgumentException("guest_cid: expected " + MIN_GUEST_CID + " to " + MAX_GUEST_CID
                    + " (0-2 are the hypervisor's and the host's), got " + guestCid.getAsLong());
        }
        tap.ifPresent(t -> Checks.require("tap", Checks.interfaceName(t)));
    }

    /** A disk or console entry: AxVisor's six fields, a path, and whether the disk is read-only. */
    public EmulatedDeviceConfig(String name, long baseGpa, long length, long irqId, EmulatedDeviceType emuType,
                                List<Long> cfgList, Optional<Path> path, boolean readOnly) {
        this(name, baseGpa, length, irqId, emuType, cfgList, path, readOnly, Optional.empty(), Optional.empty(),
                OptionalLong.empty());
    }

    /** Whether the entry has any of Javisor's keys beyond AxVisor's six. */
    public boolean hasExtensions() {
        return path.isPresent() || readOnly || tap.isPresent() || mac.isPresent() || guestCid.isPresent();
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
