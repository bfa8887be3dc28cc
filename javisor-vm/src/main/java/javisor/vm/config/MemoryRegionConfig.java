package javisor.vm.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;

/**
 * One entry of {@code kernel.memory_regions}: guest-physical RAM. AxVisor writes it as
 * {@code [gpa, size, flags, map_type]}; Javisor adds an optional fifth element (or key) {@code backing}.
 *
 * @param gpa     first guest-physical address, a multiple of 4 KiB
 * @param size    length in bytes, a positive multiple of 4 KiB; {@code gpa + size} is at most 2^52
 * @param flags   AxVisor's MappingFlags; under KVM a region without W is read-only and DEVICE means no RAM
 * @param mapType how the host memory is obtained
 * @param backing for {@link MappingKind#MAP_RESERVED} only (and required there): the existing file or
 *                shared-memory object that is mapped instead of allocating memory
 */
public record MemoryRegionConfig(long gpa, long size, RegionFlags flags, MappingKind mapType, Optional<Path> backing) {
    public static final long PAGE_SIZE = 0x1000;
    /** The end of the guest-physical space: x86 physical addresses have at most 52 bits. */
    public static final long MAX_END = 1L << 52;

    public MemoryRegionConfig {
        Objects.requireNonNull(flags, "flags");
        Objects.requireNonNull(mapType, "mapType");
        Objects.requireNonNull(backing, "backing");
        Checks.require("gpa", checkGpa(gpa));
        Checks.require("size", checkSize(size));
        Checks.require("size", checkEnd(gpa, size));
        Checks.require("backing", checkBacking(mapType, backing));
        backing.ifPresent(p -> Checks.require("backing", Checks.nonEmptyPath(p)));
    }

    /** A plain RAM region allocated by Javisor. */
    public static MemoryRegionConfig ram(long gpa, long size) {
        return new MemoryRegionConfig(gpa, size, RegionFlags.RWX, MappingKind.MAP_ALLOC, Optional.empty());
    }

    /** The first address after the region. */
    public long end() {
        return gpa + size;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, gpa) >= 0 && Long.compareUnsigned(address, end()) < 0;
    }

    public boolean overlaps(MemoryRegionConfig other) {
        return Long.compareUnsigned(gpa, other.end()) < 0 && Long.compareUnsigned(other.gpa, end()) < 0;
    }

    /** The region as {@code [0x0, 0x1000000)}, for messages. */
    public String describeRange() {
        return "[" + Checks.hex(gpa) + ", " + Checks.hex(end()) + ")";
    }

    static Optional<String> checkGpa(long gpa) {
        return gpa % PAGE_SIZE != 0
                ? Optional.of("expected a multiple of " + Checks.hex(PAGE_SIZE) + ", got " + Checks.hex(gpa))
                : Optional.empty();
    }

    static Optional<String> checkSize(long size) {
        return size == 0 || size % PAGE_SIZE != 0
                ? Optional.of("expected a positive multiple of " + Checks.hex(PAGE_SIZE) + ", got "
                        + Checks.hex(size))
                : Optional.empty();
    }

    /** {@code gpa + size} must not overflow and must not pass {@link #MAX_END}. */
    static Optional<String> checkEnd(long gpa, long size) {
        boolean fits = Long.compareUnsigned(size, MAX_END) <= 0 && Long.compareUnsigned(gpa, MAX_END - size) <= 0;
        return fits ? Optional.empty()
                : Optional.of("expected the region to end at or below 2^52 (" + Checks.hex(MAX_END) + "), got "
                        + Checks.hex(gpa) + " + " + Checks.hex(size));
    }

    static Optional<String> checkBacking(MappingKind mapType, Optional<Path> backing) {
        if (mapType == MappingKind.MAP_RESERVED && backing.isEmpty()) {
            return Optional.of("map_type 2 (reserved) needs a backing file or shared-memory object: add it as"
                    + " the fifth element or as backing = \"/dev/shm/NAME\"");
        }
        if (mapType != MappingKind.MAP_RESERVED && backing.isPresent()) {
            return Optional.of("backing is only allowed with map_type 2 (reserved), got map_type "
                    + mapType.code());
        }
        return Optional.empty();
    }
}
