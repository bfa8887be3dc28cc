package javisor.vmm.linux;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javisor.vm.ImageResolver;
import javisor.vm.StopReason;
import javisor.vm.Vm;
import javisor.vm.VmState;
import javisor.vm.config.BaseConfig;
import javisor.vm.config.VmConfig;
import javisor.vm.config.VmType;
import javisor.vmm.HostNet;
import javisor.vmm.TestGuests;
import javisor.vmm.Vmm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stock Linux on virtio-net, two VMs of one Javisor on two taps bridged in a network namespace the test makes
 * (a veth pair joins it to this host's): Debian's kernel brings eth0 up with its virtio_net driver, the VMs ping
 * each other and the host, and 100 MiB go from one to the other over TCP with the same hash at both ends
 * (bench/netbench.c); the host pings both.
 */
@Tag("kvm")
class LinuxNetTest {
    private static final long BYTES = 100L << 20;
    private static DebianKernel kernel;
    /** bench/netbench.c, static: it runs in the guests and on the host alike. */
    private static Path netbench;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void fetchKernel() throws Exception {
        TestGuests.requireKvm();
        kernel = DebianKernel.fetch();
        netbench = tmp.resolve("netbench");
        HostNet.run(List.of("gcc", "-static", "-O2", "-o", netbench.toString(),
                Path.of("../bench/netbench.c").toAbsolutePath().normalize().toString()));
    }

    /** The test initramfs with a second archive appended: netbench and the scripts {@code files} names. */
    static Path initramfsWith(Map<String, String> scripts) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("extra-" + scripts.hashCode() + "/bin"));
        Files.copy(netbench, root.resolve("netbench"));
        for (Map.Entry<String, String> s : scripts.entrySet()) {
            Path f = Files.writeString(root.resolve(s.getKey()), s.getValue());
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path extra = tmp.resolve("extra-" + scripts.hashCode() + ".cpio.gz");
        HostNet.run(List.of("bash", "-c", "cd " + root.getParent() + " && find . | " + kernel.busybox()
                + " cpio -o -H newc 2>/dev/null | gzip -1 > " + extra));
        // The kernel unpacks concatenated archives in turn: the second adds its files to the first's.
        Path both = tmp.resolve("initramfs-" + scripts.hashCode() + ".cpio.gz");
        Files.write(both, Files.readAllBytes(kernel.initramfs()));
        Files.write(both, Files.readAllBytes(extra), StandardOpenOption.APPEND);
        return both;
    }

    /** A Linux VM as {@code javisor run --kernel vmlinux --initrd ... --net tap=TAP} makes it, with its own id. */
    static VmConfig linuxVm(long id, String name, Path initramfs, String cmdline, List<String> nets,
                            List<String> vsocks) {
        VmConfig c = VmConfig.forKernel(kernel.vmlinux(), Optional.of(initramfs), Optional.of(cmdline), 1, 256)
                .withDevices(List.of(), nets, vsocks);
        return new VmConfig(c.source(), new BaseConfig(id, name, VmType.LINUX, 1, List.of(), List.of()),
                c.kernel(), c.devices());
    }

    /** Consoles the test reads while the guests write. */
    static final class Consoles {
        private final Map<String, ByteArrayOutputStream> byName = new HashMap<>();

        synchronized ByteArrayOutputStream of(VmConfig c) {
            return byName.computeIfAbsent(c.base().name(), n -> new ByteArrayOutputStream());
        }

        synchronized String text(String name) {
            ByteArrayOutputStream b = byName.get(name);
            return b == null ? "" : b.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    @Timeout(900)
    void twoVmsOnBridgedTapsPingEachOtherAndTheHostAndMove100MiBIntact() throws Exception {
        int s = HostNet.subnet();
        String net = "10.217." + s + ".";
        Path initramfs = initramfsWith(Map.of(
                "server", """
                        #!/bin/sh
                        /bin/netbench server tcp 5001 --once
                        """,
                "client", """
                        #!/bin/sh
                        i=0
                        until ping -c 1 -W 1 %1$s2 >/dev/null 2>&1; do
                          i=$((i + 1)); [ $i -ge 120 ] && { echo "nettest: no answer from %1$s2"; exit 1; }
                        done
                        echo "nettest: $(ping -c 3 %1$s2 | grep -c 'bytes from') of 3 pings to the other VM answered"
                        echo "nettest: $(ping -c 3 %1$s254 | grep -c 'bytes from') of 3 pings to the host answered"
                        i=0
                        until /bin/netbench client tcp %1$s2 5001 --bytes %2$d; do
                          i=$((i + 1)); [ $i -ge 60 ] && exit 1; sleep 1
                        done
                        """.formatted(net, BYTES)));
        String common = "console=ttyS0 noxsave panic=-1 javisor.poweroff javisor.net=";
        try (HostNet host = new HostNet()) {
            String ns = host.namespace(host.name("jvns"));
            String tapA = host.tap(host.name("jvta"), null);
            String tapB = host.tap(host.name("jvtb"), null);
            host.veth(host.name("jvvh"), net + "254/24", "veth0", ns);
            HostNet.bridgeIn(ns, "br0", "veth0");
            VmConfig a = linuxVm(1, "server", initramfs, common + net + "2/24 javisor.exec=/bin/server",
                    List.of("tap=" + tapA), List.of());
            VmConfig b = linuxVm(2, "client", initramfs, common + net + "3/24 javisor.exec=/bin/client",
                    List.of("tap=" + tapB), List.of());
            Consoles consoles = new Consoles();
            try (Vmm vmm = Vmm.init(List.of(new Vmm.VmDefinition(a, ImageResolver.directory(Path.of(""))),
                    new Vmm.VmDefinition(b, ImageResolver.directory(Path.of("")))), consoles::of)) {
                // Javisor holds both taps now; the namespace's bridge takes them (a tap keeps its file as it moves).
                HostNet.intoBridge(tapA, ns, "br0");
                HostNet.intoBridge(tapB, ns, "br0");
                vmm.start();
                Vm server = vmm.vm(1);
                Vm client = vmm.vm(2);
                long deadline = System.nanoTime() + TestGuests.patience(Duration.ofSeconds(600)).toNanos();
                boolean pinged = false;
                while ((server.state() != VmState.STOPPED || client.state() != VmState.STOPPED)
                        && System.nanoTime() < deadline) {
                    if (!pinged && consoles.text("server").contains("eth0 " + net + "2/24")) {
                        HostNet.ping(net + "2", 3);
                        pinged = true;
                    }
                    Thread.sleep(200);
                }
                String serverOut = consoles.text("server");
                String clientOut = consoles.text("client");
                String both = "server console:\n" + serverOut + "\nclient console:\n" + clientOut;
                assertThat(pinged).as("the host pinged the server VM; " + both).isTrue();
                assertThat(serverOut).as(both).contains("javisor-initramfs: eth0 " + net + "2/24");
                assertThat(clientOut).as(both)
                        .contains("nettest: 3 of 3 pings to the other VM answered")
                        .contains("nettest: 3 of 3 pings to the host answered");
                String sent = hash(clientOut, "netbench: tcp client bytes=" + BYTES + " .* fnv=(0x[0-9a-f]+)");
                String received = hash(serverOut, "netbench: tcp server bytes=" + BYTES + " .* fnv=(0x[0-9a-f]+)");
                assertThat(received).as("the stream's hash at both ends; " + both).isEqualTo(sent);
                assertThat(clientOut).contains("match=yes");
                assertThat(server.stopReason()).as(both).isEqualTo(new StopReason.PowerOff());
                assertThat(client.stopReason()).as(both).isEqualTo(new StopReason.PowerOff());
                Map<String, Long> counters = server.virtioDevices().getFirst().device().counters();
                System.err.println("LinuxNetTest: server NIC " + counters + ", features 0x"
                        + Long.toHexString(server.virtioDevices().getFirst().negotiatedFeatures()) + "; client NIC "
                        + client.virtioDevices().getFirst().device().counters());
                assertThat(counters.get("rx_bytes")).as("%s", counters).isGreaterThan(BYTES);
                assertThat(counters.get("tx_malformed")).isZero();
                // Every doorbell of a guest that moved megabytes was caught by an ioeventfd inside KVM: none reached
                // Java through a vCPU exit.
                assertThat(server.virtioDevices().getFirst().notifyExits()).as("server NIC notify exits").isZero();
                assertThat(client.virtioDevices().getFirst().notifyExits()).as("client NIC notify exits").isZero();
            }
        }
    }

    @Test
    @Timeout(900)
    void aHostProcessAndTheGuestTalkThroughVsockBothWays() throws Exception {
        long bytes = 16L << 20;
        Path initramfs = initramfsWith(Map.of("vsocktest", """
                #!/bin/sh
                /bin/netbench server vsock 5000 --once &
                i=0
                until /bin/netbench client vsock 2 5001 --bytes %d; do
                  i=$((i + 1)); [ $i -ge 60 ] && break; sleep 1
                done
                wait
                """.formatted(bytes)));
        Path socket = tmp.resolve("v.sock");
        Process hostServer = new ProcessBuilder(netbench.toString(), "server", "unix", socket.toString(), "--port",
                "5001", "--once").redirectErrorStream(true).start();
        VmConfig vm = linuxVm(1, "vsock", initramfs, "console=ttyS0 noxsave panic=-1 javisor.poweroff"
                + " javisor.exec=/bin/vsocktest", List.of(), List.of("cid=3,path=" + socket));
        Consoles consoles = new Consoles();
        try (Vmm vmm = Vmm.init(List.of(new Vmm.VmDefinition(vm, ImageResolver.directory(Path.of("")))),
                consoles::of)) {
            vmm.start();
            // The guest's listener comes up during its boot: connect until it answers (CONNECT 5000, OK n).
            String hostClient = "";
            long deadline = System.nanoTime() + TestGuests.patience(Duration.ofSeconds(600)).toNanos();
            while (System.nanoTime() < deadline && vmm.vm(1).state() != VmState.STOPPED) {
                Process c = new ProcessBuilder(netbench.toString(), "client", "unix", socket.toString(), "--connect",
                        "5000", "--bytes", Long.toString(bytes)).redirectErrorStream(true).start();
                hostClient = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (c.waitFor() == 0) {
                    break;
                }
                Thread.sleep(500);
            }
            while (vmm.vm(1).state() != VmState.STOPPED && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String console = consoles.text("vsock");
            if (!hostServer.waitFor(10, TimeUnit.SECONDS)) {
                hostServer.destroy(); // the guest never came: what it printed says so below
            }
            String server = new String(hostServer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String all = "host client:\n" + hostClient + "\nhost server:\n" + server + "\nguest:\n" + console;
            assertThat(console).as(all).contains("vsock device virtio0 bound to vmw_vsock_virtio_transport");
            // Host to guest: the host's client through the socket, CONNECT 5000, to the guest's listener.
            assertThat(hostClient).as(all).contains("netbench: unix client bytes=" + bytes).contains("match=yes");
            assertThat(hash(console, "netbench: vsock server bytes=" + bytes + " .* fnv=(0x[0-9a-f]+)"))
                    .isEqualTo(hash(hostClient, "netbench: unix client bytes=" + bytes + " .* fnv=(0x[0-9a-f]+)"));
            // Guest to host: the guest's connection to CID 2 port 5001 reached the host's listener on v.sock_5001.
            assertThat(console).as(all).contains("netbench: vsock client bytes=" + bytes).contains("match=yes");
            assertThat(hash(server, "netbench: unix server bytes=" + bytes + " .* fnv=(0x[0-9a-f]+)"))
                    .isEqualTo(hash(console, "netbench: vsock client bytes=" + bytes + " .* fnv=(0x[0-9a-f]+)"));
            assertThat(vmm.vm(1).stopReason()).as(all).isEqualTo(new StopReason.PowerOff());
        } finally {
            hostServer.destroy();
        }
    }

    private static String hash(String console, String regex) {
        Matcher m = Pattern.compile(regex).matcher(console);
        assertThat(m.find()).as("%s in:\n%s", regex, console).isTrue();
        return m.group(1);
    }
}
