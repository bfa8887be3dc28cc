package javisor.vmm.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javisor.vm.StopReason;
import javisor.vm.config.VmConfig;
import javisor.vmm.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stock Linux with its root file system on a virtio disk, as a user runs it: Debian's kernel and the test
 * initramfs load virtio_blk and ext4, mount {@code root=/dev/vda} and switch to it; the disk's own
 * {@code /sbin/init} (busybox, from the disk) computes, writes two files, syncs, remounts the root read-only and
 * powers off through ACPI. The host then reads the files out of the image and has e2fsck check it: every byte
 * the guest wrote went through the virtqueue, Javisor's virtio-blk and the image file.
 */
@Tag("kvm")
class LinuxRootDiskTest {
    private static DebianKernel kernel;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fetchKernel() throws Exception {
        TestGuests.requireKvm(); // in @BeforeAll a skip would hide the tests from the report; a failure shows them
        kernel = DebianKernel.fetch();
    }

    /** The disk's init: everything it runs is on the disk (the initramfs is gone after switch_root). */
    private static final String INIT = """
            #!/bin/busybox sh
            # The root disk's init (LinuxRootDiskTest): runs from ext4 on /dev/vda.
            export PATH=/bin
            busybox mount -t proc proc /proc
            echo "javisor-rootfs: /sbin/init running from $(busybox grep ' / ' /proc/mounts | busybox cut -d' ' -f1-3)"
            echo "javisor-rootfs: $(busybox nproc) CPU(s) online"
            echo "$(busybox nproc) $(busybox sha256sum /etc/javisor-token | busybox cut -d' ' -f1)" > /result.txt
            busybox cp /bin/busybox /busybox.copy
            busybox sync
            busybox mount -o remount,ro /
            # Through /dev/kmsg: printk reaches the serial console before poweroff -f, a tty write might not.
            echo "javisor-rootfs: wrote /result.txt and /busybox.copy, synced, root read-only; powering off" > /dev/kmsg
            busybox poweroff -f
            """;

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2, 4})
    @Timeout(600)
    void linuxBootsFromAnExt4RootOnVirtioBlkAndItsWritesAreInTheImage(int cpus) throws Exception {
        String token = UUID.randomUUID().toString();
        Path image = rootDisk(token);
        String cmdline = "console=ttyS0 noxsave panic=-1 root=/dev/vda";
        // As `javisor run --kernel vmlinux --initrd ... --drive root.img` makes it.
        VmConfig config = LinuxBoot.forKernel(kernel.vmlinux(), Optional.of(kernel.initramfs()), cmdline, cpus)
                .withDevices(List.of(image.toString()), List.of(), List.of());
        LinuxBoot b = LinuxBoot.run(config, console -> false, Duration.ofSeconds(540));

        assertThat(b.console()).as("the guest's account")
                .contains("smpboot: Allowing " + cpus + " CPUs, 0 hotplug CPUs")
                .contains("virtio_blk virtio0: [vda] 131072 512-byte logical blocks")
                .contains("javisor-initramfs: mounted /dev/vda (ext4); starting its /sbin/init")
                .contains("EXT4-fs (vda): mounted filesystem")
                .contains("javisor-rootfs: /sbin/init running from /dev/vda / ext4")
                .contains("javisor-rootfs: " + cpus + " CPU(s) online")
                .contains("javisor-rootfs: wrote /result.txt and /busybox.copy, synced, root read-only");
        assertThat(b.stop()).as("powered off; console:\n" + b.console()).isEqualTo(new StopReason.PowerOff());

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest((token + "\n").getBytes(StandardCharsets.US_ASCII)));
        assertThat(new String(Ext4Image.read(image, "/result.txt"), StandardCharsets.US_ASCII))
                .isEqualTo(cpus + " " + sha + "\n");
        assertThat(Ext4Image.read(image, "/busybox.copy")).isEqualTo(Files.readAllBytes(kernel.busybox()));
        Ext4Image.Result fsck = Ext4Image.check(image);
        assertThat(fsck.status()).as("e2fsck -fn of the image after the guest:\n" + fsck.output()).isZero();
    }

    /** A 64 MiB ext4 image with busybox, the init above and a token only this run knows. */
    private Path rootDisk(String token) throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        for (String dir : new String[] {"bin", "sbin", "etc", "proc", "dev", "tmp"}) {
            Files.createDirectories(tree.resolve(dir));
        }
        Files.copy(kernel.busybox(), tree.resolve("bin/busybox"));
        Files.setPosixFilePermissions(tree.resolve("bin/busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path init = Files.writeString(tree.resolve("sbin/init"), INIT);
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tree.resolve("etc/javisor-token"), token + "\n");
        Path image = tmp.resolve("root.img");
        Ext4Image.make(tree, image, 64);
        return image;
    }
}
