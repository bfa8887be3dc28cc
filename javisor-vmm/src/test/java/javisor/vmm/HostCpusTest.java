package javisor.vmm;

import java.util.BitSet;
import java.util.List;

import javisor.vm.VmCreateException;
import javisor.vm.config.BaseConfig;
import javisor.vm.config.VmType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** vCPU pinning: the host's online CPUs and each vCPU's affinity set, past 64 CPUs too. */
class HostCpusTest {
    private static BaseConfig pinned(List<Long> ids, List<Long> sets) {
        int cpus = Math.max(1, Math.max(ids.size(), sets.size()));
        return new BaseConfig(3, "pinned", VmType.RTOS, cpus, ids, sets, "host");
    }

    @Test
    void readsTheKernelsCpuLists() {
        assertThat(HostCpus.parseList("0-3,8,10-11")).isEqualTo(bits(0, 1, 2, 3, 8, 10, 11));
        assertThat(HostCpus.parseList("0")).isEqualTo(bits(0));
        assertThat(HostCpus.parseList("").isEmpty()).isTrue();
        assertThatThrownBy(() -> HostCpus.parseList("3-1")).hasMessageContaining("3-1");
    }

    @Test
    void thisHostHasItsOwnCpusOnline() {
        assertThat(HostCpus.online().cardinality()).isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void aCpuIdAbove63IsPinnedLikeAnyOther() {
        long[] words = HostCpus.affinity(pinned(List.of(0L, 70L, 200L), List.of()), 1);
        assertThat(words).hasSize(2);
        assertThat(words[1]).isEqualTo(1L << (70 - 64));
        assertThat(HostCpus.affinity(pinned(List.of(0L, 70L, 200L), List.of()), 2)).hasSize(4);
    }

    @Test
    void cpuSetsWinOverCpuIdsAndNoPinningIsEmpty() {
        assertThat(HostCpus.affinity(pinned(List.of(5L), List.of(0b110L)), 0)).containsExactly(0b110L);
        assertThat(HostCpus.affinity(pinned(List.of(), List.of()), 0)).isEmpty();
    }

    @Test
    void aCpuTheHostLacksIsRefusedNamingIt() {
        int missing = HostCpus.online().length();
        assertThatThrownBy(() -> HostCpus.checkAffinity(pinned(List.of((long) missing), List.of())))
                .isInstanceOf(VmCreateException.class)
                .hasMessageContaining("VM 3: vCPU 0 is pinned to host CPUs {" + missing + "}")
                .hasMessageContaining("no CPU {" + missing + "} online");
        assertThatThrownBy(() -> HostCpus.checkAffinity(pinned(List.of(1L << 40), List.of())))
                .isInstanceOf(VmCreateException.class)
                .hasMessageContaining("pinned to host CPU 1099511627776, which no Linux host has");
    }

    private static BitSet bits(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            b.set(c);
        }
        return b;
    }
}
