package javisor.junit;

import java.time.Duration;

import javisor.sys.kvm.Kvm;
import javisor.vmm.embed.Javisor;
import javisor.vmm.embed.VirtualMachine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** The extension's check after each test: a test that leaves a KVM descriptor open fails, and says so. */
@Timeout(120)
@Tag("kvm")
class LeakCheckTest {
    private static Kvm leaked;

    @AfterEach
    void closeTheLeak() {
        if (leaked != null) {
            leaked.close();
            leaked = null;
        }
    }

    @Test
    void aTestThatLeavesKvmOpenFailsAndACleanOnePasses() {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Subjects.class)).build(), listener);
        TestExecutionSummary s = listener.getSummary();
        assertThat(s.getTestsSucceededCount()).as("the clean test").isEqualTo(1);
        assertThat(s.getTestsFailedCount()).as("the leaking test").isEqualTo(1);
        TestExecutionSummary.Failure f = s.getFailures().getFirst();
        assertThat(f.getTestIdentifier().getDisplayName()).startsWith("leavesKvmOpen");
        assertThat(f.getException()).isInstanceOf(AssertionError.class)
                .hasMessageEndingWith("were closed but left 1 KVM file descriptors (/dev/kvm, kvm-vm, kvm-vcpu)");
    }

    /** Run only through the launcher above (Surefire skips nested classes). */
    @ExtendWith(JavisorExtension.class)
    static class Subjects {
        @Test
        void leavesKvmOpen(Javisor javisor) {
            assertThat(javisor.vms()).isEmpty();
            leaked = Kvm.open(); // as a test that forgot to close what it opened would
        }

        @Test
        void closesEverything(@JavisorVm(kernel = "${javisor.guests.dir}/exit42.elf") VirtualMachine vm)
                throws InterruptedException {
            assertThat(vm.await(Duration.ofSeconds(60))).isTrue();
        }
    }
}
