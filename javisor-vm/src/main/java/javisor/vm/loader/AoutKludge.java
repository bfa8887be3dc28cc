package javisor.vm.loader;

import java.util.List;

/**
 * The Multiboot a.out kludge (header flags bit 16): physical addresses that say where the file goes,
 * for kernels that are not ELF. The file is loaded from the offset that puts the header at
 * {@code header_addr}; all fields are 32-bit.
 */
record AoutKludge(long headerAddr, long loadAddr, long loadEndAddr, long bssEndAddr, long entryAddr) {
    /** The kernel these fields describe, for a header found at {@code headerOffset} in {@code image}. */
    KernelImage kernel(byte[] image, int headerOffset) {
        String what = "Multiboot a.out kludge";
        if (loadAddr > headerAddr) {
            throw new ImageException(what + ": load_addr " + Hex.of(loadAddr) + " is above header_addr "
                    + Hex.of(headerAddr) + ", but the text segment must start at or before the header");
        }
        long headerIntoText = headerAddr - loadAddr;
        if (headerIntoText > headerOffset) {
            throw new ImageException(what + ": header_addr - load_addr = " + Hex.of(headerIntoText)
                    + ", but the header is at file offset " + Hex.of(headerOffset)
                    + ", so the text segment would start before the beginning of the file");
        }
        long loadOffset = headerOffset - headerIntoText;
        long loadSize;
        if (loadEndAddr == 0) { // 0: the text and data run to the end of the file
            loadSize = image.length - loadOffset;
        } else if (loadEndAddr < loadAddr) {
            throw new ImageException(what + ": load_end_addr " + Hex.of(loadEndAddr) + " is below load_addr "
                    + Hex.of(loadAddr));
        } else {
            loadSize = loadEndAddr - loadAddr;
            if (loadSize > image.length - loadOffset) {
                throw new ImageException(what + ": load_addr..load_end_addr asks for " + Hex.of(loadSize)
                        + " bytes from file offset " + Hex.of(loadOffset) + ", past the end of the "
                        + image.length + "-byte image");
            }
        }
        long memSize = loadSize;
        if (bssEndAddr != 0) { // 0: no bss
            if (bssEndAddr < loadAddr + loadSize) {
                throw new ImageException(what + ": bss_end_addr " + Hex.of(bssEndAddr) + " is below the end of the "
                        + "loaded data " + Hex.of(loadAddr + loadSize));
            }
            memSize = bssEndAddr - loadAddr;
        }
        if (memSize == 0) {
            throw new ImageException(what + ": load_addr = load_end_addr = " + Hex.of(loadAddr)
                    + " and no bss: nothing to load");
        }
        LoadSegment segment = new LoadSegment("Multiboot a.out image", loadAddr, image, (int) loadOffset,
                (int) loadSize, memSize);
        return new KernelImage(List.of(segment), entryAddr);
    }
}
