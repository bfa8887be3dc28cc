package javisor.api.firecracker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javisor.api.firecracker.ApiTypes.BootSource;
import javisor.api.firecracker.ApiTypes.Drive;
import javisor.api.firecracker.ApiTypes.EntropyDevice;
import javisor.api.firecracker.ApiTypes.MachineConfiguration;
import javisor.api.firecracker.ApiTypes.NetworkInterface;
import javisor.api.firecracker.ApiTypes.RateLimiter;
import javisor.api.firecracker.ApiTypes.TokenBucket;
import javisor.api.firecracker.ApiTypes.Vsock;
import javisor.vm.config.EmulatedDeviceConfig;
import javisor.vm.config.EmulatedDeviceType;
import javisor.vm.config.MacAddress;
import javisor.vm.config.VmConfig;
import javisor.vm.platform.PlatformLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The Javisor config that Firecracker's resources make: devices, their order and slots, the command line. */
class VmResourcesTest {
    @TempDir
    Path tmp;

    @Test
    void theRootDriveComesFirstAndTheCommandLineNamesIt() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinux"), "x");
        Path data = Files.write(tmp.resolve("data.img"), new byte[512]);
        Path root = Files.write(tmp.resolve("root.img"), new byte[512]);
        VmResources r = new VmResources();
        r.setBootSource(new BootSource(kernel.toString(), "console=ttyS0", null));
        r.setMachine(new MachineConfiguration(2, 256, null, null, null, null));
        r.putDrive("data", new Drive("data", null, false, null, true, data.toString(), null, null, null));
        r.putDrive("rootfs", new Drive("rootfs", null, true, null, false, root.toString(), null, null, null));
        r.putNetworkInterface("eth0", new NetworkInterface("eth0", "tap7", "06:00:00:00:00:09", null, null, null));
        r.setVsock(new Vsock(42L, tmp.resolve("v.sock").toString(), null));
        r.setEntropy(new EntropyDevice(new RateLimiter(new TokenBucket(4096L, null, 500L), null)));

        VmConfig c = r.toVmConfig();
        assertThat(c.base().cpuNum()).isEqualTo(2);
        assertThat(c.kernel().memoryRegions().getFirst().size()).isEqualTo(256L << 20);
        assertThat(c.kernel().cmdline()).hasValue("console=ttyS0 root=/dev/vda rw");
        List<EmulatedDeviceConfig> devices = c.devices().emuDevices();
        assertThat(devices).extracting(EmulatedDeviceConfig::name)
                .containsExactly("rootfs", "data", "eth0", "vsock", "entropy");
        assertThat(devices).extracting(EmulatedDeviceConfig::emuType).containsExactly(EmulatedDeviceType.VIRTIO_BLK,
                EmulatedDeviceType.VIRTIO_BLK, EmulatedDeviceType.VIRTIO_NET, EmulatedDeviceType.VIRTIO_VSOCK,
                EmulatedDeviceType.VIRTIO_RNG);
        for (int i = 0; i < devices.size(); i++) {
            assertThat(devices.get(i).baseGpa()).isEqualTo(PlatformLayout.VIRTIO_MMIO_BASE
                    + i * PlatformLayout.VIRTIO_MMIO_STRIDE);
            assertThat(devices.get(i).irqId()).isEqualTo(PlatformLayout.VIRTIO_FIRST_GSI + i);
        }
        assertThat(devices.get(0).path()).hasValue(root);
        assertThat(devices.get(1).readOnlyDisk()).isTrue();
        assertThat(devices.get(2).tap()).hasValue("tap7");
        assertThat(devices.get(2).mac()).hasValue(MacAddress.parse("06:00:00:00:00:09"));
        assertThat(devices.get(3).guestCid()).hasValue(42);
        assertThat(devices.get(4).cfgList()).as("4096 bytes each 500 ms").containsExactly(8192L);
    }

    @Test
    void withoutBootArgsFirecrackersDefaultCommandLineIsUsedAndAReadOnlyRootIsMountedSo() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinux"), "x");
        Path root = Files.write(tmp.resolve("root.img"), new byte[512]);
        VmResources r = new VmResources();
        r.setBootSource(new BootSource(kernel.toString(), null, null));
        r.putDrive("rootfs", new Drive("rootfs", "0eaa91a0-01", true, null, true, root.toString(), null, null, null));
        assertThat(r.toVmConfig().kernel().cmdline())
                .hasValue(VmResources.DEFAULT_BOOT_ARGS + " root=PARTUUID=0eaa91a0-01 ro");
        assertThat(r.toVmConfig().base().cpuNum()).as("Firecracker's default machine").isEqualTo(1);
        assertThat(r.toVmConfig().kernel().memoryRegions().getFirst().size()).isEqualTo(128L << 20);
    }

    @Test
    void aZeroBucketLimitsNothing() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("vmlinux"), "x");
        VmResources r = new VmResources();
        r.setBootSource(new BootSource(kernel.toString(), null, null));
        r.setEntropy(new EntropyDevice(new RateLimiter(new TokenBucket(0L, null, 100L), null)));
        assertThat(r.toVmConfig().devices().emuDevices().getFirst().cfgList()).isEmpty();
    }
}
