package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the process holds, as the kernel counts it in /proc/self: file descriptors (KVM VMs and vCPUs among them),
 * threads, mappings and resident memory; what Java's own counts cannot see (a thread that left Java but not the
 * kernel, a KVM fd or a mapping no object holds any more).
 */
record ProcessResources(long fds, long kvmVms, long kvmVcpus, long threads, long mappings, long rssKiB) {
    static ProcessResources now() throws IOException {
        List<String> links = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    links.add(Files.readSymbolicLink(fd).toString());
                } catch (NoSuchFileException gone) {
                    // the directory listing's own fd, closed by now
                }
            }
        }
        long threads;
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            threads = s.count();
        }
        long mappings = Files.readAllLines(Path.of("/proc/self/maps")).size();
        long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
        return new ProcessResources(links.size(), links.stream().filter("anon_inode:kvm-vm"::equals).count(),
                links.stream().filter(l -> l.startsWith("anon_inode:kvm-vcpu")).count(), threads, mappings, rss);
    }
}
