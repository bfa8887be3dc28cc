package javisor.vm.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.IntStream;

import javisor.vm.loader.ImageFormat;

/**
 * {@code [kernel]}: AxVisor's VMKernelConfig plus Javisor's {@code kernel_format}. Paths are kept as written;
 * {@link VmConfig#resolve(Path)} makes a relative one absolute.
 *
 * @param entryPoint      guest-physical address where the boot vCPU (and, as in AxVisor, every other vCPU)
 *                        starts, for raw images
 * @param kernelPath      the kernel image
 * @param kernelLoadAddr  where a raw kernel image is copied
 * @param biosPath        a BIOS image (AxVisor's x86 guests use axvm-bios); requires {@code biosLoadAddr}
 * @param dtbPath         a device tree blob; requires {@code dtbLoadAddr}, which may also be given alone
 * @param ramdiskPath     an initial ramdisk; {@code ramdiskLoadAddr} may be left out to let the loader choose
 * @param imageLocation   where the images are read from; {@link ImageLocation#FS} when not given
 * @param cmdline         the kernel command line (AxVisor ignores it; Javisor passes it to the guest)
 * @param diskPath        a disk image (AxVisor ignores it)
 * @param memoryRegions   the guest RAM, at least one region, no two overlapping; images load into it
 * @param kernelFormat    how to read the kernel image
 * @param hugePages       the pages that back the RAM ({@code huge_pages}, Javisor's)
 */
public record KernelConfig(long entryPoint, Path kernelPath, long kernelLoadAddr,
                           Optional<Path> biosPath, OptionalLong biosLoadAddr,
                           Optional<Path> dtbPath, OptionalLong dtbLoadAddr,
                           Optional<Path> ramdiskPath, OptionalLong ramdiskLoadAddr,
                           ImageLocation imageLocation, Optional<String> cmdline, Optional<Path> diskPath,
                           List<MemoryRegionConfig> memoryRegions, ImageFormat kernelFormat,
                           HugePages hugePages) {

    static final String NO_REGIONS = "expected at least one memory region, e.g. [[0x0, 0x1000_0000, 0x7, 0]]";

    /** Two regions of one list that overlap, by index, {@code first < second}. */
    record Overlap(int first, int second) {
    }

    public KernelConfig {
        Objects.requireNonNull(kernelPath, "kernelPath");
        Objects.requireNonNull(biosPath, "biosPath");
        Objects.requireNonNull(biosLoadAddr, "biosLoadAddr");
        Objects.requireNonNull(dtbPath, "dtbPath");
        Objects.requireNonNull(dtbLoadAddr, "dtbLoadAddr");
        Objects.requireNonNull(ramdiskPath, "ramdiskPath");
        Objects.requireNonNull(ramdiskLoadAddr, "ramdiskLoadAddr");
        Objects.requireNonNull(imageLocation, "imageLocation");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(diskPath, "diskPath");
        Objects.requireNonNull(kernelFormat, "kernelFormat");
        Objects.requireNonNull(hugePages, "hugePages");
        memoryRegions = List.copyOf(memoryRegions);
        Checks.require("kernel_path", Checks.nonEmptyPath(kernelPath));
        for (Optional<Path> p : List.of(biosPath, dtbPath, ramdiskPath, diskPath)) {
            p.ifPresent(path -> Checks.require("path", Checks.nonEmptyPath(path)));
        }
        Checks.require("bios", checkPair("bios_path", biosPath, "bios_load_addr", biosLoadAddr, true, true));
        Checks.require("dtb", checkPair("dtb_path", dtbPath, "dtb_load_addr", dtbLoadAddr, true, false));
        Checks.require("ramdisk",
                checkPair("ramdisk_path", ramdiskPath, "ramdisk_load_addr", ramdiskLoadAddr, false, true));
        cmdline.ifPresent(c -> Checks.require("cmdline", checkCmdline(c)));
        if (memoryRegions.isEmpty()) {
            throw new IllegalArgumentException("memory_regions: " + NO_REGIONS);
        }
        findOverlap(memoryRegions).ifPresent(o -> {
            throw new IllegalArgumentException("memory_regions: regions " + o.first() + " and " + o.second()
                    + " overlap");
        });
        if (hugePages == HugePages.HUGETLB_2M) {
            for (int i = 0; i < memoryRegions.size(); i++) {
                MemoryRegionConfig r = memoryRegions.get(i);
                if (!r.flags().device() && (r.size() % HUGE_2M != 0 || r.gpa() % HUGE_2M != 0)) {
                    throw new IllegalArgumentException("huge_pages: \"2M\" needs RAM in whole 2 MiB pages, but region "
                            + i + " is 0x" + Long.toHexString(r.size()) + " bytes at 0x" + Long.toHexString(r.gpa()));
                }
            }
        }
    }

    private static final long HUGE_2M = 2 << 20;

    /** As the canonical constructor, with 4 KiB pages ({@link HugePages#NONE}). */
    public KernelConfig(long entryPoint, Path kernelPath, long kernelLoadAddr,
                        Optional<Path> biosPath, OptionalLong biosLoadAddr,
                        Optional<Path> dtbPath, OptionalLong dtbLoadAddr,
                        Optional<Path> ramdiskPath, OptionalLong ramdiskLoadAddr,
                        ImageLocation imageLocation, Optional<String> cmdline, Optional<Path> diskPath,
                        List<MemoryRegionConfig> memoryRegions, ImageFormat kernelFormat) {
        this(entryPoint, kernelPath, kernelLoadAddr, biosPath, biosLoadAddr, dtbPath, dtbLoadAddr, ramdiskPath,
                ramdiskLoadAddr, imageLocation, cmdline, diskPath, memoryRegions, kernelFormat, HugePages.NONE);
    }

    /** The guest's RAM: the memory regions that are not device memory, summed, in bytes. */
    public long ramBytes() {
        long bytes = 0; // a loop, not a stream: every vm create and every VM listing asks
        for (MemoryRegionConfig r : memoryRegions) {
            if (!r.flags().device()) {
                bytes += r.size();
            }
        }
        return bytes;
    }

    /**
     * An image path and its load address. {@code addressNeeded}: a path needs the address;
     * {@code pathNeeded}: an address alone is an error.
     */
    static Optional<String> checkPair(String pathKey, Optional<Path> path, String addrKey, OptionalLong addr,
                                      boolean addressNeeded, boolean pathNeeded) {
        if (addressNeeded && path.isPresent() && addr.isEmpty()) {
            return Optional.of(pathKey + " is set, so " + addrKey + " is required too");
        }
        if (pathNeeded && path.isEmpty() && addr.isPresent()) {
            return Optional.of(addrKey + " is set without " + pathKey + "; add " + pathKey + " or remove "
                    + addrKey);
        }
        return Optional.empty();
    }

    static Optional<String> checkCmdline(String cmdline) {
        return cmdline.indexOf('\0') >= 0
                ? Optional.of("expected a command line without NUL characters")
                : Optional.empty();
    }

    /** The first overlap found, in O(n log n): regions sorted by start, each compared with the furthest end so far. */
    static Optional<Overlap> findOverlap(List<MemoryRegionConfig> regions) {
        List<Integer> byStart = IntStream.range(0, regions.size()).boxed()
                .sorted((a, b) -> Long.compareUnsigned(regions.get(a).gpa(), regions.get(b).gpa())).toList();
        int furthest = -1;
        for (int i : byStart) {
            MemoryRegionConfig r = regions.get(i);
            if (furthest >= 0 && r.overlaps(regions.get(furthest))) {
                return Optional.of(new Overlap(Math.min(i, furthest), Math.max(i, furthest)));
            }
            if (furthest < 0 || Long.compareUnsigned(r.end(), regions.get(furthest).end()) > 0) {
                furthest = i;
            }
        }
        return Optional.empty();
    }
}
