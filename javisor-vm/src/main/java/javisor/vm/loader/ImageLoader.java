package javisor.vm.loader;

import java.util.Objects;

import javisor.memory.GuestMemory;
import javisor.memory.GuestMemoryException;

/**
 * Loads a guest image into guest memory and says how to enter it. Formats: RAW (flat binary, real
 * mode), ELF (PT_LOAD segments; ELF32 in protected mode, ELF64 in long mode) and Multiboot v1 (a.out
 * kludge or ELF, with the Multiboot information structure). ELF and Multiboot images may not load into
 * {@link BootLayout#RESERVED}; their boot structures (GDT, Multiboot information, page tables) go where
 * {@link BootPlacement} finds room beside them.
 *
 * <p>Every problem with the image or with where it would go is an {@link ImageException}. Everything is
 * checked before the first byte is written, so a failed load leaves guest memory untouched.
 */
public final class ImageLoader {
    private ImageLoader() {
    }

    /** True when {@code image} has a valid Multiboot v1 header, which {@link ImageFormat#AUTO} prefers. */
    public static boolean isMultiboot(byte[] image) {
        return MultibootHeader.search(image) instanceof MultibootHeader.Found;
    }

    public static BootSpec load(GuestMemory memory, byte[] image, LoadRequest request) throws ImageException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(request, "request");
        if (image.length == 0) {
            throw new ImageException("the image is empty (0 bytes)");
        }
        try {
            return switch (request.format()) {
                case AUTO -> switch (MultibootHeader.search(image)) {
                    case MultibootHeader.Found f -> MultibootLoader.load(memory, image, request, f.header());
                    case MultibootHeader.BadChecksum _, MultibootHeader.Absent _ -> ElfFile.hasMagic(image)
                            ? ElfLoader.load(memory, image, request)
                            : RawLoader.load(memory, image, request);
                };
                case RAW -> RawLoader.load(memory, image, request);
                case ELF -> ElfLoader.load(memory, image, request);
                case LINUX, PVH, LINUX64 -> throw new IllegalArgumentException(request.format()
                        + " images are loaded by javisor.vm.linux.LinuxLoader, which needs the platform tables");
                case MULTIBOOT -> switch (MultibootHeader.search(image)) {
                    case MultibootHeader.Found f -> MultibootLoader.load(memory, image, request, f.header());
                    case MultibootHeader.BadChecksum b -> throw new ImageException("Multiboot header at offset "
                            + Hex.of(b.offset()) + " has a bad checksum: magic + flags " + Hex.of(Integer.toUnsignedLong(b.flags()))
                            + " + checksum " + Hex.of(Integer.toUnsignedLong(b.checksum())) + " is not 0 mod 2^32");
                    case MultibootHeader.Absent _ -> throw new ImageException("no Multiboot header (magic 0x1badb002, "
                            + "4-byte aligned) in the first " + MultibootHeader.SEARCH_LIMIT + " bytes of the image");
                };
            };
        } catch (GuestMemoryException e) {
            // The plan is checked before writing, so this means a check is missing: still the image's fault.
            throw new ImageException("the image does not fit guest memory: " + e.getMessage(), e);
        }
    }
}
