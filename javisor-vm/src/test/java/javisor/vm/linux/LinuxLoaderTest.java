package javisor.vm.linux;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.RegionFlags;
import javisor.sys.kvm.Regs;
import javisor.vcpu.EntryMode;
import javisor.vm.loader.ImageException;
import javisor.vm.loader.ImageFormat;
import javisor.vm.platform.E820Entry;
import javisor.vm.platform.E820Map;
import javisor.vm.platform.E820Type;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Linux loader, checked by reading what it wrote back with the field offsets of zero-page.rst, boot.rst
 * and Xen's start_info.h, not with the loader's own constants.
 */
class LinuxLoaderTest {
    private static final long RAM = 64L << 20;
    private final GuestMemory memory = GuestMemory.of(List.of(
            GuestRegion.allocate(GuestAddress.ZERO, RAM, RegionFlags.RWX)));
    private final byte[] initrd = pattern(0x2345, 11);

    @AfterEach
    void close() {
        memory.close();
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 5);
        }
        return b;
    }

    private LinuxBootRequest request(String cmdline) {
        return LinuxBootRequest.of(cmdline, memory).withRsdp(GuestAddress.of(0xe0000));
    }

    private int u8(long a) {
        return memory.readU8(GuestAddress.of(a));
    }

    private int u16(long a) {
        return memory.readU16(GuestAddress.of(a)) & 0xffff;
    }

    private long u32(long a) {
        return Integer.toUnsignedLong(memory.readU32(GuestAddress.of(a)));
    }

    private long u64(long a) {
        return memory.readU64(GuestAddress.of(a));
    }

    private String cString(long a) {
        StringBuilder s = new StringBuilder();
        for (long p = a; u8(p) != 0; p++) {
            s.append((char) u8(p));
        }
        return s.toString();
    }

    /** struct boot_e820_entry[] at boot_params + 0x2d0, count at + 0x1e8. */
    private List<E820Entry> zeroPageE820(long zp) {
        List<E820Entry> out = new ArrayList<>();
        for (int i = 0; i < u8(zp + 0x1e8); i++) {
            long e = zp + 0x2d0 + 20L * i;
            out.add(new E820Entry(u64(e), u64(e + 8), type((int) u32(e + 16))));
        }
        return out;
    }

    private static E820Type type(int code) {
        return Arrays.stream(E820Type.values()).filter(t -> t.code() == code).findFirst().orElseThrow();
    }

    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[(int) RAM]);

    private boolean allZero() {
        for (GuestRegion r : memory.regions()) {
            if (r.segment().mismatch(ZEROS.asSlice(0, r.size())) != -1) {
                return false;
            }
        }
        return true;
    }

    @Test
    void bzImageGoesToItsPreferredAddressAndEntersAt0x200WithTheZeroPageInRsi() {
        byte[] image = LinuxImages.bzImage();
        LinuxBoot boot = LinuxLoader.load(memory, image, request("console=ttyS0 root=/dev/vda")
                .withInitrd(initrd, Optional.empty()));
        assertThat(boot.image()).isEqualTo(LinuxBoot.Image.BZIMAGE);
        assertThat(boot.entryKind()).isEqualTo(LinuxEntry.BOOT_PROTOCOL_64);
        assertThat(boot.mode()).isEqualTo(EntryMode.LONG_64);
        assertThat(boot.entry().value()).isEqualTo(LinuxImages.PREF_ADDRESS + 0x200);
        assertThat(boot.registers()).containsExactly(Map.entry(Regs.Reg.RSI, 0x7000L));
        assertThat(memory.read(GuestAddress.of(LinuxImages.PREF_ADDRESS), LinuxImages.PM_SIZE))
                .isEqualTo(Arrays.copyOfRange(image, LinuxImages.PM_OFFSET, image.length));
        assertThat(boot.kernel().start()).isEqualTo(LinuxImages.PREF_ADDRESS);
        assertThat(boot.kernel().size()).as("init_size, more than the file").isEqualTo(LinuxImages.INIT_SIZE);
        assertThat(boot.bootSpec(ImageFormat.ELF).imageEnd().value())
                .isEqualTo(LinuxImages.PREF_ADDRESS + LinuxImages.INIT_SIZE);
    }

    @Test
    void bzImageZeroPageCarriesItsOwnSetupHeaderAndThePointersTheProtocolNames() {
        byte[] image = LinuxImages.bzImage();
        LinuxLoader.load(memory, image, request("console=ttyS0 root=/dev/vda").withInitrd(initrd, Optional.empty()));
        long zp = 0x7000;
        assertThat(u16(zp + 0x1fe)).as("boot_flag").isEqualTo(0xaa55);
        assertThat(u32(zp + 0x202)).as("header").isEqualTo(0x53726448);
        assertThat(u16(zp + 0x206)).as("version, the kernel's").isEqualTo(0x020f);
        assertThat(u8(zp + 0x210)).as("type_of_loader").isEqualTo(0xff);
        assertThat(u8(zp + 0x211) & 1).as("LOADED_HIGH").isEqualTo(1);
        assertThat(u32(zp + 0x214)).as("code32_start").isEqualTo(LinuxImages.PREF_ADDRESS);
        assertThat(u32(zp + 0x264)).as("handover_offset copied through").isEqualTo(0x1234);
        assertThat(u32(zp + 0x260)).as("init_size copied through").isEqualTo(LinuxImages.INIT_SIZE);
        assertThat(u8(zp + 0x1ef)).as("sentinel").isZero();
        long cmd = u32(zp + 0x228) | u32(zp + 0xc8) << 32;
        assertThat(cmd).isEqualTo(0x20000);
        assertThat(cString(cmd)).isEqualTo("console=ttyS0 root=/dev/vda");
        long rd = u32(zp + 0x218) | u32(zp + 0xc0) << 32;
        long rdSize = u32(zp + 0x21c) | u32(zp + 0xc4) << 32;
        assertThat(rdSize).isEqualTo(initrd.length);
        assertThat(rd % 4096).isZero();
        assertThat(rd + rdSize).as("as high as RAM allows").isGreaterThan(RAM - 4096).isLessThanOrEqualTo(RAM);
        assertThat(memory.read(GuestAddress.of(rd), initrd.length)).isEqualTo(initrd);
        assertThat(u64(zp + 0x70)).as("acpi_rsdp_addr").isEqualTo(0xe0000);
        assertThat(zeroPageE820(zp)).containsExactly(
                new E820Entry(0, 0xa0000, E820Type.RAM),
                new E820Entry(0xe0000, 0x20000, E820Type.RESERVED),
                new E820Entry(0x100000, RAM - 0x100000, E820Type.RAM));
        // Everything else of the header is the file's, byte for byte.
        byte[] header = memory.read(GuestAddress.of(zp + 0x1f1), 0x268 - 0x1f1);
        byte[] expected = Arrays.copyOfRange(image, 0x1f1, 0x268);
        for (int field : new int[] {0x210, 0x211, 0x214, 0x215, 0x216, 0x217, 0x218, 0x219, 0x21a, 0x21b, 0x21c,
                0x21d, 0x21e, 0x21f, 0x228, 0x229, 0x22a, 0x22b}) {
            header[field - 0x1f1] = expected[field - 0x1f1];
        }
        assertThat(header).isEqualTo(expected);
    }

    @Test
    void aNonRelocatableBzImageLoadsAtOneMibAndReservesWhereItWillMoveItself() {
        byte[] image = LinuxImages.patch(LinuxImages.bzImage(), 0x234, 1, 0);
        LinuxBoot boot = LinuxLoader.load(memory, image, request(""));
        assertThat(boot.entry().value()).isEqualTo(0x100200);
        assertThat(boot.kernel().start()).isEqualTo(0x100000);
        assertThat(boot.kernel().end()).isEqualTo(LinuxImages.PREF_ADDRESS + LinuxImages.INIT_SIZE);
    }

    @Test
    void vmlinuxWithThePvhNoteEntersThroughPvhWithTheStartInfoInEbx() {
        byte[] image = LinuxImages.pvhVmlinux();
        LinuxBoot boot = LinuxLoader.load(memory, image, request("console=ttyS0").withInitrd(initrd, Optional.empty()));
        assertThat(boot.image()).isEqualTo(LinuxBoot.Image.VMLINUX);
        assertThat(boot.entryKind()).isEqualTo(LinuxEntry.PVH);
        assertThat(boot.mode()).isEqualTo(EntryMode.PROTECTED_32);
        assertThat(boot.entry().value()).isEqualTo(LinuxImages.PVH_ENTRY);
        assertThat(boot.registers()).containsExactly(Map.entry(Regs.Reg.RBX, 0x6000L));
        // The segment: 0x2000 file bytes, then zeros to p_memsz.
        assertThat(memory.read(GuestAddress.of(LinuxImages.VMLINUX_PADDR), 0x2000))
                .isEqualTo(Arrays.copyOfRange(image, 0x1000, 0x3000));
        assertThat(boot.kernel()).isEqualTo(new LoadedRange("vmlinux", LinuxImages.VMLINUX_PADDR, 0x3000));

        long si = 0x6000; // struct hvm_start_info
        assertThat(u32(si)).as("magic").isEqualTo(0x336ec578);
        assertThat(u32(si + 4)).as("version").isEqualTo(1);
        assertThat(u32(si + 12)).as("nr_modules").isEqualTo(1);
        long mod = u64(si + 16);
        assertThat(u64(mod + 8)).isEqualTo(initrd.length);
        assertThat(memory.read(GuestAddress.of(u64(mod)), initrd.length)).isEqualTo(initrd);
        assertThat(cString(u64(si + 24))).isEqualTo("console=ttyS0");
        assertThat(u64(si + 32)).as("rsdp_paddr").isEqualTo(0xe0000);
        long map = u64(si + 40);
        List<E820Entry> entries = new ArrayList<>();
        for (int i = 0; i < u32(si + 48); i++) { // hvm_memmap_table_entry: addr, size, type, reserved
            long e = map + 24L * i;
            entries.add(new E820Entry(u64(e), u64(e + 8), type((int) u32(e + 16))));
            assertThat(u32(e + 20)).isZero();
        }
        assertThat(entries).isEqualTo(E820Map.forGuest(memory.regions()).entries());
        assertThat(u32(0x7000 + 0x202)).as("no zero page for PVH").isZero();
    }

    @Test
    void vmlinuxThroughThe64BitProtocolGetsAMinimalZeroPage() {
        LinuxBoot boot = LinuxLoader.load(memory, LinuxImages.pvhVmlinux(),
                request("quiet").withEntry(LinuxEntry.BOOT_PROTOCOL_64));
        assertThat(boot.entryKind()).isEqualTo(LinuxEntry.BOOT_PROTOCOL_64);
        assertThat(boot.mode()).isEqualTo(EntryMode.LONG_64);
        assertThat(boot.entry().value()).isEqualTo(LinuxImages.VMLINUX_PADDR);
        long zp = 0x7000;
        assertThat(u16(zp + 0x1fe)).isEqualTo(0xaa55);
        assertThat(u32(zp + 0x202)).isEqualTo(0x53726448);
        assertThat(u8(zp + 0x210)).isEqualTo(0xff);
        assertThat(cString(u32(zp + 0x228))).isEqualTo("quiet");
        assertThat(u32(zp + 0x218)).as("no initrd").isZero();
        assertThat(u32(0x6000)).as("no PVH start info").isZero();
    }

    @Test
    void vmlinuxWithoutThePvhNoteUsesThe64BitProtocolAndRefusesPvh() {
        byte[] image = LinuxImages.vmlinux(LinuxImages.note("Linux", 0x100, new byte[4]));
        assertThat(LinuxLoader.load(memory, image, request("")).entryKind()).isEqualTo(LinuxEntry.BOOT_PROTOCOL_64);
        assertThatThrownBy(() -> LinuxLoader.load(memory, image, request("").withEntry(LinuxEntry.PVH)))
                .isInstanceOf(ImageException.class).hasMessageContaining("XEN_ELFNOTE_PHYS32_ENTRY");
    }

    @Test
    void detectionKnowsBzImagesAndElfKernelsByTheirNotes() {
        assertThat(LinuxLoader.detect(LinuxImages.bzImage())).contains(LinuxBoot.Image.BZIMAGE);
        assertThat(LinuxLoader.detect(LinuxImages.pvhVmlinux())).contains(LinuxBoot.Image.VMLINUX);
        assertThat(LinuxLoader.detect(LinuxImages.vmlinux(LinuxImages.note("Linux", 1, new byte[0]))))
                .contains(LinuxBoot.Image.VMLINUX);
        assertThat(LinuxLoader.detect(LinuxImages.vmlinux())).as("a plain ELF64 is not a Linux kernel").isEmpty();
        assertThat(LinuxLoader.detect(LinuxImages.vmlinux(LinuxImages.note("GNU", 3, new byte[20])))).isEmpty();
        assertThat(LinuxLoader.detect(new byte[100])).isEmpty();
        assertThat(LinuxLoader.isLinuxKernel(LinuxImages.bzImage())).isTrue();
    }

    @Test
    void anInitrdAtAGivenAddressGoesThere() {
        LinuxBoot boot = LinuxLoader.load(memory, LinuxImages.pvhVmlinux(),
                request("").withInitrd(initrd, Optional.of(GuestAddress.of(0x200000))));
        assertThat(boot.initrd()).contains(new LoadedRange("initrd", 0x200000, initrd.length));
        assertThat(memory.read(GuestAddress.of(0x200000), initrd.length)).isEqualTo(initrd);
    }

    @Test
    void theInitrdStaysBelowTheKernelsLimitAndClearOfTheKernel() {
        byte[] image = LinuxImages.patch(LinuxImages.bzImage(), 0x22c, 4, 0x00ff_ffff); // initrd_addr_max 16 MiB - 1
        LinuxBoot boot = LinuxLoader.load(memory, image, request("").withInitrd(initrd, Optional.empty()));
        LoadedRange r = boot.initrd().orElseThrow();
        assertThat(r.end()).isLessThanOrEqualTo(0x100_0000);
        assertThat(r.start() % 4096).isZero();
        assertThat(r.overlaps(boot.kernel().start(), boot.kernel().end())).isFalse();
    }

    // ---- refusals: each leaves guest memory untouched ----

    private void refused(byte[] image, LinuxBootRequest request, String message) {
        assertThatThrownBy(() -> LinuxLoader.load(memory, image, request))
                .isInstanceOf(ImageException.class).hasMessageContaining(message);
        assertThat(allZero()).as("nothing written").isTrue();
    }

    @Test
    void oldOr32BitOnlyBzImagesAreRefused() {
        refused(LinuxImages.patch(LinuxImages.bzImage(), 0x206, 2, 0x020b), request(""), "too old");
        refused(LinuxImages.patch(LinuxImages.bzImage(), 0x236, 2, 0), request(""), "XLF_KERNEL_64");
        refused(LinuxImages.patch(LinuxImages.bzImage(), 0x201, 1, 0x10), request(""), "header ends at 0x212");
        refused(LinuxImages.patch(LinuxImages.bzImage(), 0x1f1, 1, 200), request(""), "past the end");
        refused(LinuxImages.patch(LinuxImages.bzImage(), 0x260, 4, 0), request(""), "init_size is 0");
        refused(LinuxImages.bzImage(), request("").withEntry(LinuxEntry.PVH), "only the ELF vmlinux");
    }

    @Test
    void kernelsThatDoNotFitOrHitTheBootStructuresAreRefused() {
        byte[] huge = LinuxImages.patch(LinuxImages.bzImage(), 0x260, 4, 0x1000_0000);
        refused(huge, request(""), "not inside one usable RAM range");
        byte[] low = LinuxImages.patch(LinuxImages.vmlinux(LinuxImages.note("Linux", 1, new byte[0])), 64 + 24, 8,
                0x1f000);
        refused(LinuxImages.patch(low, 24, 8, 0x1f000), request(""), "overlaps the command line");
        byte[] inHole = LinuxImages.patch(LinuxImages.vmlinux(LinuxImages.note("Linux", 1, new byte[0])), 64 + 24, 8,
                0xd0000);
        refused(LinuxImages.patch(inHole, 24, 8, 0xd0000), request(""), "legacy hole and BIOS area");
    }

    @Test
    void badCommandLinesAndInitrdsAreRefused() {
        refused(LinuxImages.bzImage(), request("a\0b"), "NUL character at index 1");
        refused(LinuxImages.bzImage(), request("x".repeat(2048)), "at most 2047 (the bzImage's cmdline_size)");
        refused(LinuxImages.pvhVmlinux(), request("x".repeat(2048)), "COMMAND_LINE_SIZE");
        refused(LinuxImages.pvhVmlinux(), request("").withInitrd(initrd, Optional.of(GuestAddress.of(0x200800))),
                "not page-aligned");
        refused(LinuxImages.pvhVmlinux(), request("").withInitrd(initrd, Optional.of(GuestAddress.of(0x1001000))),
                "overlaps the vmlinux");
        refused(LinuxImages.pvhVmlinux(), request("").withInitrd(new byte[(int) RAM], Optional.empty()),
                "no room for the");
        refused(LinuxImages.pvhVmlinux(), request("").withInitrd(new byte[0], Optional.empty()), "initrd is empty");
    }

    @Test
    void hostileElfNotesAndSegmentsAreRefusedWithAMessage() {
        byte[] image = LinuxImages.pvhVmlinux();
        int noteOffset = 0x3000;
        refused(LinuxImages.patch(image, noteOffset + 4, 4, 0x7fff_fff0), request(""), "runs past the end of its PT_NOTE");
        byte[] wideEntry = LinuxImages.vmlinux(LinuxImages.note("Xen", 18, LinuxImages.le64(1L << 33)));
        refused(wideEntry, request(""), "above 4 GiB");
        byte[] oddSize = LinuxImages.vmlinux(LinuxImages.note("Xen", 18, new byte[2]));
        refused(oddSize, request(""), "expected 4 or 8");
        refused(LinuxImages.patch(image, 64 + 8, 8, 0x10_0000), request(""), "run past the end");
        refused(LinuxImages.patch(image, 56, 2, 0), request(""), "e_phnum = 0");
        byte[] entryOutside = LinuxImages.vmlinux(LinuxImages.note("Xen", 18, LinuxImages.le64(0x2000000)));
        refused(entryOutside, request(""), "not inside the bytes loaded");
        assertThat(new String(image, 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("\u007fELF");
    }
}
