package javisor.sys.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The VM made ahead of need: handed out, made again in the background, and never left open. Real /dev/kvm. */
@Tag("kvm")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VmFdReserveTest {
    @BeforeEach
    void requireKvm() {
        TestVm.requireKvm();
    }

    @Test
    void takeHandsOutTheVmMadeAheadAndAsksForTheNext() throws Exception {
        try (Kvm kvm = Kvm.open(); VmFdReserve reserve = new VmFdReserve(kvm)) {
            assertThat(reserve.hasReady()).isFalse();
            reserve.fill();
            awaitReady(reserve);
            try (VmFd first = reserve.take()) {
                first.setTssAddr(0xfffb_d000L); // a VM ioctl answers on it: it is a live KVM VM
                awaitReady(reserve); // the next one was made in the background
                try (VmFd second = reserve.take()) {
                    assertThat(second).isNotSameAs(first);
                    second.setTssAddr(0xfffb_d000L);
                }
            }
        }
    }

    @Test
    void takeMakesAVmOnTheSpotWhenNoneIsReady() {
        try (Kvm kvm = Kvm.open(); VmFdReserve reserve = new VmFdReserve(kvm); VmFd vm = reserve.take()) {
            vm.setTssAddr(0xfffb_d000L);
        }
    }

    @Test
    void closeLeavesNoVmOpenAndRefusesFurtherTakes() throws Exception {
        long before = kvmVmFds();
        Kvm kvm = Kvm.open();
        VmFdReserve reserve = new VmFdReserve(kvm);
        reserve.fill();
        awaitReady(reserve);
        assertThat(kvmVmFds()).isEqualTo(before + 1);
        reserve.close(); // VmFd closes hand the final release to the kernel, but the descriptor goes at once
        assertThat(kvmVmFds()).as("open anon_inode:kvm-vm descriptors").isEqualTo(before);
        assertThatThrownBy(reserve::take).isInstanceOf(IllegalStateException.class)
                .hasMessage("the VM reserve is closed");
        kvm.close();
    }

    @Test
    void closeWhileAVmIsBeingMadeClosesThatVmToo() throws Exception {
        long before = kvmVmFds();
        try (Kvm kvm = Kvm.open()) {
            for (int i = 0; i < 20; i++) {
                VmFdReserve reserve = new VmFdReserve(kvm);
                reserve.fill(); // the maker may be inside KVM_CREATE_VM when close comes
                reserve.close();
            }
        }
        assertThat(kvmVmFds()).as("open anon_inode:kvm-vm descriptors").isEqualTo(before);
    }

    private static void awaitReady(VmFdReserve reserve) throws InterruptedException {
        while (!reserve.hasReady()) {
            Thread.sleep(1);
        }
    }

    private static long kvmVmFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:kvm-vm");
                } catch (IOException e) {
                    return false; // the listing's own descriptor, gone by now
                }
            }).count();
        }
    }
}
