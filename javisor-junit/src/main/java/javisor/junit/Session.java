package javisor.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javisor.vmm.embed.Javisor;
import javisor.vmm.embed.VirtualMachine;
import javisor.vmm.embed.VmSpec;

/** One test's hypervisor and VMs, and what the process held before them, to tell a leak from what was there. */
final class Session {
    private final long kvmFdsBefore = kvmFds();
    private final List<VirtualMachine> vms = new ArrayList<>();
    private Javisor javisor;

    synchronized Javisor javisor() {
        if (javisor == null) {
            javisor = Javisor.start();
        }
        return javisor;
    }

    synchronized VirtualMachine boot(VmSpec spec, boolean start) {
        VirtualMachine vm = start ? javisor().boot(spec) : javisor().create(spec);
        vms.add(vm);
        return vm;
    }

    /** Closes everything, then fails if a KVM fd or a vCPU thread of these VMs outlived them. */
    synchronized void closeAndCheck() {
        if (javisor == null) {
            return;
        }
        try {
            for (VirtualMachine vm : vms) {
                vm.close();
            }
        } finally {
            javisor.close(); // whatever a VM's close threw, the hypervisor and the rest go
        }
        List<String> left = new ArrayList<>();
        long fds = kvmFds();
        if (fds != kvmFdsBefore) {
            left.add((fds - kvmFdsBefore) + " KVM file descriptors (/dev/kvm, kvm-vm, kvm-vcpu)");
        }
        for (VirtualMachine vm : vms) {
            String prefix = "VM[" + vm.id() + "]-VCpu[";
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix))
                    .forEach(t -> left.add("thread " + t.getName() + " (" + t.getState() + ")"));
        }
        if (!left.isEmpty()) {
            throw new AssertionError("the test's VMs " + vms + " were closed but left " + String.join(", ", left));
        }
    }

    /** The process's file descriptors on KVM, as the kernel lists them. */
    static long kvmFds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            long n = 0;
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.equals("/dev/kvm") || target.startsWith("anon_inode:kvm")) {
                        n++;
                    }
                } catch (NoSuchFileException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/fd: " + e.getMessage(), e);
        }
    }
}
