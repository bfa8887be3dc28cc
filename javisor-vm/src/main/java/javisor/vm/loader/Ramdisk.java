package javisor.vm.loader;

import java.util.Optional;

/** Where a request's ramdisk goes. */
final class Ramdisk {
    static final String NAME = "ramdisk";

    private Ramdisk() {
    }

    /**
     * For RAW and ELF images, which have no protocol to tell the guest where a ramdisk is: it goes at
     * the address the guest was built to expect, which must therefore be given.
     */
    static Optional<LoadSegment> atGivenAddress(LoadRequest request, ImageFormat format) {
        if (request.ramdisk().isEmpty()) {
            return Optional.empty();
        }
        long at = request.ramdiskAddress().orElseThrow(() -> new ImageException("a ramdisk was given for a "
                + format + " image, but no ramdisk address: only Multiboot can tell the guest where it was put"))
                .value();
        return Optional.of(LoadSegment.of(NAME, at, request.ramdisk().get()));
    }

    /**
     * For a Multiboot module: at the requested address, else on the first page boundary after the
     * kernel (page-aligned either way if the kernel asked for it).
     */
    static Optional<LoadSegment> multibootModule(LoadRequest request, KernelImage kernel, boolean pageAligned) {
        if (request.ramdisk().isEmpty()) {
            return Optional.empty();
        }
        long at;
        if (request.ramdiskAddress().isPresent()) {
            at = request.ramdiskAddress().get().value();
            if (pageAligned && (at & (BootLayout.PAGE_SIZE - 1)) != 0) {
                throw new ImageException("the Multiboot header asks for page-aligned modules (flags bit 0), but the "
                        + "ramdisk address " + Hex.of(at) + " is not a multiple of " + Hex.of(BootLayout.PAGE_SIZE));
            }
        } else {
            long end = kernel.end();
            at = (end + BootLayout.PAGE_SIZE - 1) & -BootLayout.PAGE_SIZE;
            if (Long.compareUnsigned(at, end) < 0) {
                throw new ImageException("no room for the ramdisk after the kernel, which ends at " + Hex.of(end));
            }
        }
        return Optional.of(LoadSegment.of("Multiboot module (" + NAME + ")", at, request.ramdisk().get()));
    }
}
