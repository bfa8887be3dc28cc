package javisor.vm;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javisor.devices.BusRange;
import javisor.devices.MmioBus;
import javisor.memory.GuestMemory;
import javisor.sys.LibC;
import javisor.sys.net.Tap;
import javisor.sys.kvm.VmFd;
import javisor.virtio.Doorbell;
import javisor.virtio.VirtioDevice;
import javisor.virtio.block.DiskImage;
import javisor.virtio.block.VirtioBlock;
import javisor.virtio.console.VirtioConsole;
import javisor.virtio.mmio.VirtioMmioTransport;
import javisor.virtio.net.VirtioNet;
import javisor.virtio.rng.VirtioRng;
import javisor.virtio.vsock.VirtioVsock;
import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.EmulatedDeviceType;
import javisor.vm.config.MacAddress;
import javisor.vm.config.VmConfig;
import javisor.vm.platform.VirtioMmioDevice;

/**
 * The virtio devices of a VM's config, built and wired in (a step of {@link VmBuilder}): each device behind a
 * virtio-mmio transport registered on the MMIO bus at its {@code base_gpa}, its queues' doorbells bound to
 * QueueNotify with ioeventfds (one per queue, the queue index as datamatch) and its interrupt an irqfd on its
 * {@code irq_id}, so that neither a doorbell nor an interrupt passes through a vCPU thread or a lock of Javisor's.
 */
final class VirtioAttachment {
    /** One attached device: its transport (which owns the device) and what the ACPI tables say of it. */
    record Attached(EmulatedDeviceConfig config, VirtioMmioTransport transport, VirtioMmioDevice platform) {
    }

    private VirtioAttachment() {
    }

    /**
     * Builds every virtio device {@code config} lists; on failure closes what it built and throws a
     * {@link VmCreateException} naming the device and what was wrong.
     */
    static List<Attached> attach(VmConfig config, String who, VmFd vmFd, GuestMemory memory, MmioBus mmio,
                                 VmInterrupts interrupts, OutputStream console) {
        List<Attached> out = new ArrayList<>();
        try {
            List<EmulatedDeviceConfig> devices = config.devices().emuDevices();
            for (int i = 0; i < devices.size(); i++) {
                EmulatedDeviceConfig d = devices.get(i);
                if (d.emuType().isVirtio()) {
                    out.add(attachOne(config, who + ": emu_devices[" + i + "] (" + d.name() + ")", d, vmFd, memory,
                            mmio, interrupts, console));
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(a -> a.transport().close());
            throw e;
        }
    }

    private static Attached attachOne(VmConfig config, String what, EmulatedDeviceConfig d, VmFd vmFd,
                                      GuestMemory memory, MmioBus mmio, VmInterrupts interrupts,
                                      OutputStream console) {
        VirtioMmioDevice platform;
        try {
            platform = new VirtioMmioDevice(d.baseGpa(), d.length(), (int) Math.min(d.irqId(), Integer.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw new VmCreateException(what + ": " + e.getMessage(), e);
        }
        if (d.length() < VirtioMmioTransport.SIZE) {
            throw new VmCreateException(what + ": length 0x" + Long.toHexString(d.length()) + " is too small for "
                    + "the virtio-mmio registers and config space (0x" + Integer.toHexString(VirtioMmioTransport.SIZE)
                    + ")");
        }
        VirtioDevice device = device(config, what, d, console);
        int irqfd;
        try {
            irqfd = interrupts.irqfd(platform.gsi());
        } catch (RuntimeException e) {
            device.close();
            throw new VmCreateException(what + ": its interrupt " + platform.gsi() + ": " + e.getMessage(), e);
        }
        VirtioMmioTransport transport = new VirtioMmioTransport(what, device, memory, () -> LibC.eventfdWrite(irqfd, 1));
        try {
            mmio.register(new BusRange(d.baseGpa(), d.length()),
                    d.name() + " (virtio-" + device.type().name().toLowerCase(Locale.ROOT) + ")", transport);
            List<Doorbell> bells = transport.doorbells();
            for (int q = 0; q < bells.size(); q++) {
                vmFd.ioeventfd(bells.get(q).fd(), d.baseGpa() + VirtioMmioTransport.QUEUE_NOTIFY, 4, q, false);
            }
        } catch (RuntimeException e) {
            transport.close();
            throw new VmCreateException(what + ": " + e.getMessage(), e);
        }
        return new Attached(d, transport, platform);
    }

    /** The virtio consoles among {@code attached} whose output is the VM's console (they have no path). */
    static List<VirtioConsole> consolePorts(List<Attached> attached) {
        return attached.stream()
                .filter(a -> a.config().path().isEmpty() && a.transport().device() instanceof VirtioConsole)
                .map(a -> (VirtioConsole) a.transport().device())
                .toList();
    }

    private static VirtioDevice device(VmConfig config, String what, EmulatedDeviceConfig d, OutputStream console) {
        return switch (d.emuType()) {
            case VIRTIO_BLK -> {
                Path image = config.resolve(d.path().orElseThrow(() -> new VmCreateException(what
                        + ": a VirtioBlk device needs its disk image: path = \"disk.img\" (a named key of the entry, "
                        + "or its 7th element)")));
                try {
                    yield new VirtioBlock(DiskImage.open(image, d.readOnlyDisk()), d.name());
                } catch (DiskImage.DiskImageException e) {
                    throw new VmCreateException(what + ": " + e.getMessage(), e);
                }
            }
            case VIRTIO_CONSOLE -> new VirtioConsole(d.name(), d.path().map(p -> output(config.resolve(p), what))
                    .orElse(console));
            case VIRTIO_RNG -> new VirtioRng(d.cfgList().isEmpty() ? 0 : d.cfgList().getFirst());
            case VIRTIO_NET -> {
                String tapName = d.tap().orElseThrow(() -> new VmCreateException(what
                        + ": a VirtioNet device needs its host tap: tap = \"tap0\" (a named key of the entry)"));
                MacAddress mac = d.mac().orElseGet(() -> MacAddress.of(config.base().id(), netIndex(config, d)));
                Tap tap;
                try {
                    tap = Tap.open(tapName);
                } catch (Tap.TapException | IllegalArgumentException e) {
                    throw new VmCreateException(what + ": " + e.getMessage(), e);
                }
                yield new VirtioNet(d.name(), tap, mac.bytes());
            }
            case VIRTIO_VSOCK -> {
                long cid = d.guestCid().orElseThrow(() -> new VmCreateException(what
                        + ": a VirtioVsock device needs the guest's context id: guest_cid = 3 (3 or more)"));
                Path socket = config.resolve(d.path().orElseThrow(() -> new VmCreateException(what
                        + ": a VirtioVsock device needs its host Unix socket: path = \"vm.vsock\"")));
                try {
                    yield new VirtioVsock(cid, socket);
                } catch (IllegalArgumentException | UncheckedIOException e) {
                    throw new VmCreateException(what + ": " + e.getMessage(), e);
                }
            }
            default -> throw new IllegalStateException("not a virtio type: " + d.emuType());
        };
    }

    /** Which of the VM's network devices {@code d} is, counting from 0: its default MAC's last byte. */
    private static int netIndex(VmConfig config, EmulatedDeviceConfig d) {
        return (int) config.devices().emuDevices().stream().takeWhile(e -> e != d)
                .filter(e -> e.emuType() == EmulatedDeviceType.VIRTIO_NET).count();
    }

    private static OutputStream output(Path file, String what) {
        try {
            return Files.newOutputStream(file);
        } catch (IOException e) {
            throw new VmCreateException(what + ": cannot write its output to " + file + ": " + e.getMessage(), e);
        }
    }
}
