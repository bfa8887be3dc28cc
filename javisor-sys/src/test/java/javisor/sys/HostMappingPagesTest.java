package javisor.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The page-size advice on guest RAM, read back from /proc/self/smaps: what the kernel says it will back the
 * mapping with (THPeligible), not what Javisor meant to ask.
 */
class HostMappingPagesTest {
    private static final long SIZE = 8 << 20;

    @Test
    void smallPagesAreNeverHuge() throws IOException {
        try (HostMapping m = HostMapping.anonymous(SIZE, HostMapping.PageSize.SMALL)) {
            assertThat(smapsField(m, "THPeligible")).contains("0");
            touch(m);
            assertThat(smapsField(m, "AnonHugePages")).contains("0 kB");
        }
    }

    @Test
    void transparentPagesAreEligibleWhereTheHostHasThem() throws IOException {
        String thp = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
        try (HostMapping m = HostMapping.anonymous(SIZE, HostMapping.PageSize.TRANSPARENT)) {
            // "[never]" turns transparent huge pages off for everyone; madvise and always honour the advice.
            assertThat(smapsField(m, "THPeligible")).contains(thp.contains("[never]") ? "0" : "1");
        }
    }

    @Test
    void hugetlbPagesComeFromTheHostsPoolOrTheErrorSaysWhere() throws IOException {
        long free = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("HugePages_Free:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0);
        assertThatThrownBy(() -> HostMapping.anonymous(3 << 20, HostMapping.PageSize.HUGETLB_2M))
                .hasMessageContaining("a multiple of 2 MiB");
        if (free < 2) {
            assertThatThrownBy(() -> HostMapping.anonymous(4 << 20, HostMapping.PageSize.HUGETLB_2M))
                    .isInstanceOf(NativeException.class).hasMessageContaining("vm.nr_hugepages");
        } else {
            try (HostMapping m = HostMapping.anonymous(4 << 20, HostMapping.PageSize.HUGETLB_2M)) {
                touch(m);
                assertThat(smapsField(m, "KernelPageSize")).contains("2048 kB");
            }
        }
    }

    private static void touch(HostMapping m) {
        for (long off = 0; off < m.size(); off += 4096) {
            m.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, off, (byte) 1);
        }
    }

    /** The value of {@code field} in the smaps entry of the mapping that starts at {@code m}'s address. */
    private static Optional<String> smapsField(HostMapping m, String field) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(m.hostAddress()) + "-";
        boolean inside = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inside = line.startsWith(start);
            } else if (inside && line.startsWith(field + ":")) {
                return Optional.of(line.substring(field.length() + 1).strip());
            }
        }
        return Optional.empty();
    }
}
