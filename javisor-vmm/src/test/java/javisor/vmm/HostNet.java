package javisor.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host's side of a network test, made with {@code ip} (the tests run as root, as CI and the KVM box do): taps,
 * a bridge, addresses; everything it made goes again at {@link #close}, in reverse order.
 */
public final class HostNet implements AutoCloseable {
    private static final int PID = (int) ProcessHandle.current().pid();
    private final List<List<String>> undo = new ArrayList<>();
    private int names;

    /** Nothing made yet. */
    public HostNet() {
    }

    /** A name no other test of this JVM or another uses: {@code prefix}, this process's id, a counter. */
    public String name(String prefix) {
        return prefix + Integer.toHexString(PID & 0xfffff) + (char) ('a' + names++);
    }

    /** A subnet 10.{second}.N.0/24 that differs between test processes. */
    public static int subnet() {
        return 16 + PID % 200;
    }

    /** A tap, up, with {@code address} (CIDR) on it unless null. */
    public String tap(String name, String address) throws IOException, InterruptedException {
        ip("tuntap", "add", "dev", name, "mode", "tap");
        undo.add(List.of("link", "del", name));
        if (address != null) {
            ip("addr", "add", address, "dev", name);
        }
        ip("link", "set", name, "up");
        return name;
    }

    /** A bridge, up, with {@code address} on it unless null, and {@code ports} in it. */
    public String bridge(String name, String address, String... ports) throws IOException, InterruptedException {
        ip("link", "add", name, "type", "bridge");
        undo.add(List.of("link", "del", name));
        for (String port : ports) {
            ip("link", "set", port, "master", name);
        }
        if (address != null) {
            ip("addr", "add", address, "dev", name);
        }
        ip("link", "set", name, "up");
        return name;
    }

    /** A network namespace, with its loopback up. */
    public String namespace(String name) throws IOException, InterruptedException {
        ip("netns", "add", name);
        undo.add(List.of("netns", "del", name));
        ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair: {@code here} in this namespace with {@code address} (CIDR), up; {@code there} in {@code ns}. */
    public void veth(String here, String address, String there, String ns) throws IOException, InterruptedException {
        ip("link", "add", here, "type", "veth", "peer", "name", there);
        undo.add(List.of("link", "del", here));
        ip("link", "set", there, "netns", ns);
        ip("addr", "add", address, "dev", here);
        ip("link", "set", here, "up");
    }

    /** Moves {@code link} into {@code ns} and puts it, up, in the bridge {@code bridge} there. */
    public static void intoBridge(String link, String ns, String bridge) throws IOException, InterruptedException {
        ip("link", "set", link, "netns", ns);
        ip("-n", ns, "link", "set", link, "master", bridge);
        ip("-n", ns, "link", "set", link, "up");
    }

    /** A bridge in {@code ns}, up, with {@code ports} (already in {@code ns}) in it. */
    public static void bridgeIn(String ns, String name, String... ports) throws IOException, InterruptedException {
        ip("-n", ns, "link", "add", name, "type", "bridge");
        for (String port : ports) {
            ip("-n", ns, "link", "set", port, "master", name);
            ip("-n", ns, "link", "set", port, "up");
        }
        ip("-n", ns, "link", "set", name, "up");
    }

    /**
     * Pings {@code address} {@code count} times (busybox's ping: this machine kind has busybox-static but no
     * iputils); fails unless every one is answered.
     */
    public static void ping(String address, int count) throws IOException, InterruptedException {
        String out = run(List.of("busybox", "ping", "-c", Integer.toString(count), "-W", "10", address));
        if (!out.contains(count + " packets received")) {
            throw new AssertionError("ping " + address + ": " + out);
        }
    }

    public static String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(Arrays.asList(args));
        return run(command);
    }

    /** Runs {@code command}; its output, or an AssertionError with it when it fails. */
    public static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        for (List<String> u : undo.reversed()) {
            Process p = new ProcessBuilder(concat(u)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static List<String> concat(List<String> args) {
        List<String> all = new ArrayList<>(List.of("ip"));
        all.addAll(args);
        return all;
    }
}
