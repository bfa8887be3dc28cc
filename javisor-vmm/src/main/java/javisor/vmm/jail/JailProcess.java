package javisor.vmm.jail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javisor.vmm.jail.JailOptions.Network;
import javisor.vmm.jail.JailPlan.Entry;

/**
 * Starts the VMM inside a laid-out jail, with util-linux and a short bash step rather than system calls from
 * Java: a JVM is multi-threaded, and a multi-threaded process cannot move itself into new namespaces (unshare
 * of a mount namespace changes only the calling thread; a PID namespace applies only to children; a user
 * namespace refuses a threaded caller). So the jailer stays a plain parent process and the work happens in a
 * child before any JVM runs there:
 * <pre>
 * setpriv --pdeathsig KILL --              the jail dies with the jailer, even when the jailer is killed
 *   [nsenter --net=PATH --]                --netns: join that network namespace first
 *   unshare --mount --uts --ipc --pid [--net] --fork --kill-child --propagation private --
 *     bash -c enter-jail.sh ...            PID 1 of the new namespaces: cgroup, binds, /proc, pivot_root,
 *                                          detach the host's root, exec setpriv (drop to uid:gid) exec java
 * </pre>
 * The drop to the VMM's user is done by a setpriv bound into the jail, because once the host's root is
 * detached no host binary is left to do it, and doing it before pivot_root would leave nobody allowed to mount.
 */
public final class JailProcess {
    static final String ENTER_SCRIPT = "enter-jail.sh";

    private JailProcess() {
    }

    /** The jail's command line, from {@code setpriv} to the VMM's last argument (the tests check it). */
    public static List<String> command(JailPlan plan, String enterScript) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        if (plan.network() instanceof Network.Join(Path namespace)) {
            command.addAll(List.of("nsenter", "--net=" + namespace, "--"));
        }
        command.addAll(List.of("unshare", "--mount", "--uts", "--ipc", "--pid"));
        if (plan.network() instanceof Network.NewEmpty) {
            command.add("--net");
        }
        command.addAll(List.of("--fork", "--kill-child", "--propagation", "private", "--",
                "bash", "-c", enterScript, "enter-jail", plan.root().toString(),
                plan.cgroup().dir().resolve("cgroup.procs").toString(), plan.id(),
                Integer.toString(plan.uid()), Integer.toString(plan.gid())));
        for (Entry.ReadOnlyBind bind : plan.binds()) {
            command.add(bind.host().toString());
            command.add(bind.inJail());
        }
        command.add("--");
        command.addAll(plan.command());
        return command;
    }

    /** Starts the jail with this process's standard streams (the VMM's console is the jailer's). */
    public static Process start(JailPlan plan) throws JailException {
        try {
            return new ProcessBuilder(command(plan, enterScript())).inheritIO().start();
        } catch (IOException e) {
            throw JailException.host("cannot start the jail: " + e.getMessage());
        }
    }

    static String enterScript() {
        try (InputStream in = JailProcess.class.getResourceAsStream(ENTER_SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(ENTER_SCRIPT + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + ENTER_SCRIPT, e);
        }
    }
}
