package javisor.vmm.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import javisor.vm.StopReason;
import javisor.vm.VmState;
import javisor.vm.config.VmConfig;
import javisor.vmm.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's stock kernel on Javisor, end to end: the loaders, the zero page and PVH start info, the e820 map,
 * the ACPI and MP tables, the serial console, power-off and the power button, as the kernel and the test
 * initramfs ({@code scripts/make-initramfs.sh}) report them. On a host without /dev/kvm these run in the KVM box,
 * where guest kernel code runs at TCG's speed: each boot to user space takes 10 to 30 seconds there.
 */
@Tag("kvm")
class LinuxBootTest {
    private static DebianKernel kernel;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fetchKernel() throws Exception {
        TestGuests.requireKvm(); // in @BeforeAll a skip would hide the tests from the report; a failure shows them
        kernel = DebianKernel.fetch();
    }

    @Test
    @Timeout(360)
    void vmlinuxBootsThroughPvhAndFindsTheE820MapInitrdAcpiTablesAndAllCpus() throws Exception {
        String cmdline = "console=ttyS0 earlyprintk=serial noxsave reboot=k panic=-1 javisor.halt";
        LinuxBoot b = LinuxBoot.run(LinuxBoot.forKernel(kernel.vmlinux(), Optional.of(kernel.initramfs()), cmdline, 2),
                console -> false, Duration.ofSeconds(300));
        String out = b.console();
        assertThat(out).as("the kernel's early messages on COM1")
                .contains("Linux version " + kernel.version())
                .contains("Command line: " + cmdline)
                .contains("BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable")
                .contains("BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable")
                .containsPattern("BIOS-e820: \\[mem 0x00000000000[ae]0000-0x00000000000fffff\\] reserved")
                .containsPattern("RAMDISK: \\[mem 0x0[0-9a-f]{4}000-0x0fffffff\\]")
                .contains("Hypervisor detected: KVM")
                .contains("ACPI: RSDP 0x00000000000E0000 000024 (v02 JAVISR)")
                .containsPattern("ACPI: XSDT 0x00000000000E[0-9A-F]{4} [0-9A-F]{6} \\(v01 JAVISR JAVISOR")
                .containsPattern("ACPI: FACP 0x00000000000E[0-9A-F]{4} 000114 \\(v06 JAVISR JAVISOR")
                .containsPattern("ACPI: DSDT 0x00000000000E[0-9A-F]{4} [0-9A-F]{6} \\(v02 JAVISR JAVISOR")
                .containsPattern("ACPI: APIC 0x00000000000E[0-9A-F]{4} [0-9A-F]{6} \\(v05 JAVISR JAVISOR")
                .contains("ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])")
                .contains("IOAPIC[0]: apic_id 2, version 17, address 0xfec00000, GSI 0-23")
                .contains("ACPI: Using ACPI (MADT) for SMP configuration information")
                .contains("smpboot: Allowing 2 CPUs, 0 hotplug CPUs")
                .contains("printk: console [ttyS0] enabled");
        // User space ran, found the virtio modules, and rebooted through the i8042 (reboot=k), which stops the VM.
        assertThat(out).contains("javisor-initramfs: loaded virtio_mmio", "javisor-initramfs: halting");
        assertThat(b.stop()).as("stopped by itself; console:\n" + out).isInstanceOf(StopReason.PowerOff.class);
    }

    @Test
    @Timeout(420)
    void stockLinuxUsesVirtioBlkConsoleAndRngAndItsFlushedWritesAreInTheFile() throws Exception {
        // Debian's own virtio_mmio, virtio_blk, virtio_console and virtio_rng, found through the DSDT (LNRO0005).
        byte[] disk = new byte[1 << 20];
        byte[] marker = "JAVISOR-DISK-OK!".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(marker, 0, disk, 0, marker.length);
        Path image = Files.write(tmp.resolve("disk.img"), disk);
        Path hvc = tmp.resolve("hvc0.out");
        String cmdline = "console=ttyS0 noxsave panic=-1 javisor.virtiotest javisor.poweroff";
        Path config = tmp.resolve("virtio.toml");
        Files.writeString(config, """
                [base]
                id = 3
                name = "linux-virtio"
                vm_type = 2
                cpu_num = 1

                [kernel]
                entry_point = 0x0
                kernel_path = "%s"
                kernel_load_addr = 0x0
                ramdisk_path = "%s"
                cmdline = "%s"
                memory_regions = [[0x0, 0x1000_0000, 0x7, 0]]

                [devices]
                emu_devices = [
                    { name = "javisor-disk", base_gpa = 0xd000_0000, length = 0x1000, irq_id = 16, emu_type = 0xE1,
                      cfg_list = [], path = "disk.img" },
                    ["hvc", 0xd000_1000, 0x1000, 17, 0xE3, [], "hvc0.out"],
                    ["rng", 0xd000_2000, 0x1000, 18, 0xE4, [1_000_000]],
                    ["keyboard", 0xd000_3000, 0x1000, 19, 0xE3, []],
                ]
                """.formatted(kernel.vmlinux(), kernel.initramfs(), cmdline));
        // The second console has no file: its output is the VM console, and what is typed there reaches it.
        LinuxBoot b = LinuxBoot.run(VmConfig.load(config), console -> console.contains("reading a line from hvc1"),
                Duration.ofSeconds(360), (vmm, id) -> {
                    vmm.console(id).type("typed at vm console\n".getBytes(StandardCharsets.US_ASCII));
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (vmm.vm(id).state() != VmState.STOPPED && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                });
        assertThat(b.console()).as("the guest's account")
                .contains("javisor-initramfs: vda 2048 sectors, read-only 0, serial javisor-disk")
                .contains("javisor-initramfs: vda starts with JAVISOR-DISK-OK!")
                .contains("javisor-initramfs: vda sector 1 written and flushed")
                .containsPattern("javisor-initramfs: hwrng virtio_rng\\.0 gave [0-9a-f]{32}")
                .contains("javisor-initramfs: wrote hvc0")
                .contains("javisor-initramfs: hvc1 gave \"typed at vm console\"");
        assertThat(b.stop()).as("powered off; console:\n" + b.console()).isEqualTo(new StopReason.PowerOff());
        byte[] after = Files.readAllBytes(image);
        assertThat(new String(after, 512, 16, StandardCharsets.US_ASCII)).isEqualTo("written by linux");
        // The bytes exactly as the guest's hvc0 tty sent them: its onlcr turns "\n" into "\r\n".
        assertThat(Files.readString(hvc)).isEqualTo("hello from hvc0\r\n");
    }

    @Test
    @Timeout(360)
    void linuxPowersOffThroughAcpi() throws Exception {
        // poweroff -f: the kernel finds \_S5 in the DSDT and writes SLP_EN with its sleep type to the FADT's sleep
        // control register. Without them Linux only halts ("System halted") and the VM would run on for ever.
        String cmdline = "console=ttyS0 noxsave panic=-1 javisor.poweroff";
        LinuxBoot b = LinuxBoot.run(LinuxBoot.forKernel(kernel.vmlinux(), Optional.of(kernel.initramfs()), cmdline, 1),
                console -> false, Duration.ofSeconds(300));
        assertThat(b.stop()).as("stopped by itself; console:\n" + b.console()).isEqualTo(new StopReason.PowerOff());
        assertThat(b.console()).contains("javisor-initramfs: powering off", "reboot: Power down")
                .doesNotContain("System halted");
    }

    @Test
    @Timeout(420)
    void thePowerButtonMakesLinuxShutItselfDown() throws Exception {
        // vm stop -g: the Generic Event Device's interrupt runs _EVT, which notifies the power button; Linux's
        // button driver reports KEY_POWER, busybox acpid (started by the initramfs) runs poweroff.
        String cmdline = "console=ttyS0 noxsave panic=-1 javisor.acpid";
        boolean[] byItself = new boolean[1];
        LinuxBoot b = LinuxBoot.run(LinuxBoot.forKernel(kernel.vmlinux(), Optional.of(kernel.initramfs()), cmdline, 1),
                console -> console.contains("javisor-initramfs: ready"), Duration.ofSeconds(300),
                (vmm, id) -> byItself[0] = vmm.stopGracefully(id, Duration.ofSeconds(90)));
        assertThat(b.console()).contains("javisor-initramfs: acpid listening on event", "Power Button")
                .contains("javisor-initramfs: power button pressed, powering off");
        assertThat(byItself[0]).as("the guest shut itself down; console:\n" + b.console()).isTrue();
        assertThat(b.stop()).isEqualTo(new StopReason.PowerOff());
    }

    @Test
    @Timeout(240)
    void vmlinuxThroughThe64BitBootProtocolFindsTheMpTableWithAcpiOff() throws Exception {
        Path config = tmp.resolve("mp.toml");
        String cmdline = "console=ttyS0 earlyprintk=serial noxsave acpi=off";
        Files.writeString(config, """
                [base]
                id = 2
                name = "linux-mptable"
                vm_type = 2
                cpu_num = 3

                [kernel]
                entry_point = 0x0
                kernel_path = "%s"
                kernel_load_addr = 0x0
                kernel_format = "linux64"
                cmdline = "%s"
                memory_regions = [[0x0, 0x1000_0000, 0x7, 0]]

                [devices]
                """.formatted(kernel.vmlinux(), cmdline));
        // The serial console ends each line with "\r\n"; waiting for it means the whole line is in.
        LinuxBoot b = LinuxBoot.run(VmConfig.load(config), console -> console.contains("0 hotplug CPUs\r\n"),
                Duration.ofSeconds(200));
        assertThat(b.console())
                .contains("Command line: " + cmdline)
                .contains("BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable")
                .contains("BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] reserved")
                .contains("BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable")
                .contains("found SMP MP-table at [mem 0x000f0000-0x000f000f]")
                .contains("Intel MultiProcessor Specification v1.4")
                .contains("MPTABLE: OEM ID: JAVISOR")
                .contains("Processor #0 (Bootup-CPU)", "Processor #1", "Processor #2")
                .contains("IOAPIC[0]: apic_id 3, version 17, address 0xfec00000, GSI 0-23")
                .contains("Processors: 3")
                .contains("smpboot: Allowing 3 CPUs, 0 hotplug CPUs")
                .doesNotContain("ACPI: RSDP");
    }

    @Test
    @Timeout(420)
    void theDistributionsBzImageDecompressesItselfAndBootsToUserSpace() throws Exception {
        // The vmlinuz as Debian ships it, through the 64-bit boot protocol: the setup header copied into the zero
        // page, the decompressor's room (init_size) kept clear of the initrd, then the kernel it unpacks.
        // "nokaslr" makes the decompressor say that it read the command line through boot_params.
        String cmdline = "console=ttyS0 earlyprintk=serial noxsave nokaslr panic=-1 javisor.poweroff";
        LinuxBoot b = LinuxBoot.run(LinuxBoot.forKernel(kernel.bzImage(), Optional.of(kernel.initramfs()), cmdline, 1),
                console -> false, Duration.ofSeconds(360));
        assertThat(b.console()).contains("KASLR disabled: 'nokaslr' on cmdline.")
                .contains("Linux version " + kernel.version())
                .contains("javisor-initramfs: loaded virtio_blk", "javisor-initramfs: powering off");
        assertThat(b.stop()).as("powered off; console:\n" + b.console()).isEqualTo(new StopReason.PowerOff());
    }
}
