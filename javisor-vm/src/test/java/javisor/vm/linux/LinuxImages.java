package javisor.vm.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Synthesized Linux kernel images: a bzImage with a real setup header, and an ELF64 vmlinux with notes. */
final class LinuxImages {
    static final int SETUP_SECTS = 3;
    static final int PM_OFFSET = (SETUP_SECTS + 1) * 512;
    static final int PM_SIZE = 0x3000;
    static final long PREF_ADDRESS = 0x100_0000;
    static final long INIT_SIZE = 0x40_0000;
    static final long VMLINUX_PADDR = 0x100_0000;
    static final long VMLINUX_VADDR = 0xffff_ffff_8100_0000L;
    static final long PVH_ENTRY = 0x100_0850;

    private LinuxImages() {
    }

    /** A bzImage: boot sector and setup sectors with the 2.15 header, then a patterned protected-mode kernel. */
    static byte[] bzImage() {
        ByteBuffer b = ByteBuffer.allocate(PM_OFFSET + PM_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) SETUP_SECTS);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x200, (byte) 0xeb);          // jump over the header...
        b.put(0x201, (byte) 0x66);          // ...which therefore ends at 0x202 + 0x66 = 0x268
        b.putInt(0x202, 0x53726448);        // "HdrS"
        b.putShort(0x206, (short) 0x020f);  // protocol 2.15
        b.put(0x211, (byte) 0x01);          // LOADED_HIGH
        b.putInt(0x214, 0x100000);          // code32_start
        b.putInt(0x22c, 0x7fff_ffff);       // initrd_addr_max
        b.putInt(0x230, 0x20_0000);         // kernel_alignment
        b.put(0x234, (byte) 1);             // relocatable_kernel
        b.putShort(0x236, (short) 0x03);    // xloadflags: XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
        b.putInt(0x238, 2047);              // cmdline_size
        b.putLong(0x258, PREF_ADDRESS);
        b.putInt(0x260, (int) INIT_SIZE);
        b.putInt(0x264, 0x1234);            // handover_offset: copied through untouched
        for (int i = 0; i < PM_SIZE; i++) {
            b.put(PM_OFFSET + i, (byte) (i * 13 + 7));
        }
        return b.array();
    }

    static byte[] patch(byte[] image, int offset, int size, long value) {
        byte[] copy = image.clone();
        for (int i = 0; i < size; i++) {
            copy[offset + i] = (byte) (value >>> (8 * i));
        }
        return copy;
    }

    /** One note: namesz, descsz, type, name with NUL padded to 4, desc padded to 4. */
    static byte[] note(String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int nameLen = (n.length + 3) & ~3;
        int descLen = (desc.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(12 + nameLen + descLen).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(n.length).putInt(desc.length).putInt(type);
        b.put(n);
        b.position(12 + nameLen);
        b.put(desc);
        return b.array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /**
     * An ELF64 vmlinux: one text PT_LOAD at paddr 0x1000000 (vaddr in the kernel's higher half) of 0x2000 file
     * bytes and 0x3000 memory bytes, e_entry physical, and a PT_NOTE with {@code notes}.
     */
    static byte[] vmlinux(byte[]... notes) {
        int noteSize = 0;
        for (byte[] n : notes) {
            noteSize += n.length;
        }
        int phnum = notes.length > 0 ? 2 : 1;
        int textOffset = 0x1000;
        int textSize = 0x2000;
        int noteOffset = textOffset + textSize;
        ByteBuffer b = ByteBuffer.allocate(noteOffset + noteSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2);         // ET_EXEC
        b.putShort(18, (short) 62);        // EM_X86_64
        b.putInt(20, 1);
        b.putLong(24, VMLINUX_PADDR);      // e_entry: physical, as vmlinux's phys_startup_64
        b.putLong(32, 64);                 // e_phoff
        b.putShort(52, (short) 64);
        b.putShort(54, (short) 56);
        b.putShort(56, (short) phnum);
        int ph = 64;
        b.putInt(ph, 1);                   // PT_LOAD
        b.putLong(ph + 8, textOffset);
        b.putLong(ph + 16, VMLINUX_VADDR);
        b.putLong(ph + 24, VMLINUX_PADDR);
        b.putLong(ph + 32, textSize);
        b.putLong(ph + 40, 0x3000);
        if (notes.length > 0) {
            ph += 56;
            b.putInt(ph, 4);               // PT_NOTE
            b.putLong(ph + 8, noteOffset);
            b.putLong(ph + 32, noteSize);
            b.position(noteOffset);
            for (byte[] n : notes) {
                b.put(n);
            }
        }
        for (int i = 0; i < textSize; i++) {
            b.put(textOffset + i, (byte) (i * 7 + 3));
        }
        return b.array();
    }

    /** A vmlinux as Debian's: a Linux note and the Xen PVH entry note with an 8-byte value. */
    static byte[] pvhVmlinux() {
        return vmlinux(note("Linux", 0x100, new byte[4]), note("Xen", 18, le64(PVH_ENTRY)));
    }
}
