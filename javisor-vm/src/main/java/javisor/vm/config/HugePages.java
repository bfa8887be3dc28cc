package javisor.vm.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * {@code kernel.huge_pages}: the pages that back the VM's RAM, as Firecracker's {@code huge_pages} (Javisor's
 * addition to AxVisor's schema). MapReserved regions keep their file's pages whatever this says.
 */
public enum HugePages {
    /**
     * 4 KiB pages only, also where the host's transparent huge pages are "always": an idle VM costs what its
     * guest touched, not 2 MiB for its first byte. The default.
     */
    NONE("none"),
    /** Transparent huge pages where the host has them: fewer TLB misses for a guest that uses its memory. */
    TRANSPARENT("transparent"),
    /** 2 MiB pages from the host's hugetlbfs pool ({@code vm.nr_hugepages}); RAM regions in whole 2 MiB pages. */
    HUGETLB_2M("2M");

    private final String tomlName;

    HugePages(String tomlName) {
        this.tomlName = tomlName;
    }

    public String tomlName() {
        return tomlName;
    }

    public static Optional<HugePages> ofName(String name) {
        return Arrays.stream(values()).filter(h -> h.tomlName.equals(name)).findFirst();
    }
}
