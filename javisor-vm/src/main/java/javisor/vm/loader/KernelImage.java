package javisor.vm.loader;

import java.util.List;

/** A parsed kernel: the segments to load and the guest-physical entry point. */
record KernelImage(List<LoadSegment> segments, long entry) {
    KernelImage {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a kernel has at least one segment");
        }
    }

    /** The lowest address the kernel occupies. */
    long start() {
        return segments.stream().mapToLong(LoadSegment::start).reduce((a, b) -> Long.compareUnsigned(a, b) <= 0 ? a : b)
                .orElseThrow();
    }

    /** The address just past the highest byte the kernel occupies, bss included. */
    long end() {
        return segments.stream().mapToLong(LoadSegment::end).reduce((a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b)
                .orElseThrow();
    }

    /** True when the entry is one of the bytes loaded from the image: code cannot start in zeroed bss. */
    boolean entryInFileBytes() {
        return segments.stream().anyMatch(s -> s.holdsFileByte(entry));
    }

    void checkNotReserved() {
        segments.forEach(LoadPlan::checkNotReserved);
    }
}
