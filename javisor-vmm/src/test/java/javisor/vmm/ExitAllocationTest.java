package javisor.vmm;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javisor.vm.StopReason;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the JVM allocates for an exit, where it is paid: every young collection stops all the process's vCPUs, and
 * with the launcher's 2 MiB young generation, a few hundred bytes an exit at a million exits a second is a
 * collection every few milliseconds (docs/performance.md, "Thirteenth round"). Two runs of {@code exitbench.elf}
 * that differ only in their number of exits, in one warm JVM: the difference in the bytes all threads allocated
 * (the VM's vCPU thread ends with it, and is counted) over the difference in exits.
 */
@Tag("kvm")
@Timeout(600)
class ExitAllocationTest {
    private static final int FEW = 4_000;
    private static final int MANY = 84_000;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // GET_VM_ID: decoded from kvm_run's registers in place, answered with no lookup garbage. Before: about
            // 550 bytes (a copy of all eighteen registers, Hypercall.values()' array, lambdas, an argument copy).
            "hc,  200",
            // A 16550 scratch register write: the exit record and its value array.
            "out, 200",
    })
    void anExitAllocatesLittle(String kind, double mostBytes) throws Throwable {
        TestGuests.requireKvm();
        try (Vmm vmm = Vmm.init(List.of(), c -> OutputStream.nullOutputStream())) {
            for (int i = 0; i < 3; i++) {
                allocatedBy(vmm, kind, 20_000); // class loading, the JIT's tiers
            }
            long few = allocatedBy(vmm, kind, FEW);
            long many = allocatedBy(vmm, kind, MANY);
            double perExit = (double) (many - few) / (MANY - FEW);
            assertThat(perExit).as("bytes allocated an exit (%d for %d exits, %d for %d)", few, FEW, many, MANY)
                    .isLessThan(mostBytes);
        }
    }

    private long allocatedBy(Vmm vmm, String kind, int exits) throws Throwable {
        Vmm.VmDefinition def = definition(kind + "=" + exits);
        long before = allocatedBytes();
        vmm.create(def);
        vmm.start(1);
        assertThat(vmm.await(1, Duration.ofSeconds(120))).as(kind + "=" + exits).isTrue();
        long after = allocatedBytes();
        assertThat(vmm.vm(1).stopReason()).isEqualTo(new StopReason.DebugExit(0));
        vmm.delete(1, false, false);
        return after - before;
    }

    private Vmm.VmDefinition definition(String cmdline) throws IOException {
        return GuestToml.of(1, "exitbench.elf").cmdline(cmdline).definition(tmp);
    }

    /**
     * com.sun.management.ThreadMXBean's total, through a handle: javisor.vmm, which these tests are patched into,
     * does not read the management modules, and reflection does not need it to.
     */
    private static long allocatedBytes() throws Throwable {
        return (long) TOTAL_ALLOCATED.invoke(THREADS);
    }

    private static final Object THREADS;
    private static final MethodHandle TOTAL_ALLOCATED;

    static {
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            THREADS = factory.getMethod("getThreadMXBean").invoke(null);
            Class<?> bean = Class.forName("com.sun.management.ThreadMXBean");
            TOTAL_ALLOCATED = MethodHandles.publicLookup().findVirtual(bean, "getTotalThreadAllocatedBytes",
                    MethodType.methodType(long.class)).asType(MethodType.methodType(long.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
