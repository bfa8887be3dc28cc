package javisor.vm.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Synthesized Multiboot v1 headers and kernels. */
final class MultibootImages {
    static final int MAGIC = 0x1BADB002;
    static final int AOUT = 1 << 16;

    private MultibootImages() {
    }

    /** magic, flags, checksum. */
    static byte[] header(int flags) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(flags).putInt(-(MAGIC + flags));
        return b.array();
    }

    /** A header with the a.out kludge fields (flags bit 16 is added). */
    static byte[] aoutHeader(int flags, long headerAddr, long loadAddr, long loadEnd, long bssEnd, long entry) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(flags | AOUT));
        b.putInt((int) headerAddr).putInt((int) loadAddr).putInt((int) loadEnd).putInt((int) bssEnd).putInt((int) entry);
        return b.array();
    }

    /**
     * The usual a.out-kludge kernel: the header first, then {@code code}, all loaded at {@code load},
     * with {@code bss} zeroed bytes after it and the entry just past the header.
     */
    static byte[] aoutKernel(long load, byte[] code, int bss) {
        long end = load + 32 + code.length;
        return Bytes.concat(aoutHeader(0x3, load, load, end, end + bss, load + 32), code);
    }
}
