package javisor.sys.kvm;

import javisor.sys.LibC;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link VcpuKickTest}'s cases with KVM_RUN's downcall linked without errno capture, as the resident Javisor links
 * it: {@link VcpuFd#run()} then learns why a KVM_RUN failed by making it again through the capturing call, and a
 * kick must still come back as EINTR, once. The link is the JVM's, so the KVM tests that run after this class take
 * that path too; both paths are correct.
 */
class VcpuKickWithoutErrnoTest extends VcpuKickTest {
    @BeforeAll
    static void linkWithoutErrno() {
        LibC.linkWithoutErrno();
    }

    @Test
    void kvmRunGoesThroughTheDowncallWithoutErrno() {
        assertThat(LibC.withoutErrnoLinked()).isTrue();
        assertThat(vcpu.runsWithoutErrno()).as("a vCPU made after the link").isTrue();
    }
}
