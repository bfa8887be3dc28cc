package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javisor.vmm.jail.HostFacts.HostDevice;
import javisor.vmm.jail.JailOptions.CgroupLimit;
import javisor.vmm.jail.JailOptions.JailFile;
import javisor.vmm.jail.JailPlan.CgroupPlan;
import javisor.vmm.jail.JailPlan.Entry;

/** Turns the options and the host's facts into a {@link JailPlan}; changes nothing. */
public final class JailPlanner {
    /** Devices every VMM may have: /dev/kvm and /dev/net/tun belong to its user, the rest are anyone's. */
    static final List<String> VMM_DEVICES = List.of("/dev/kvm", "/dev/net/tun");
    static final List<String> COMMON_DEVICES = List.of("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom");

    private JailPlanner() {
    }

    public static JailPlan plan(JailOptions options, HostFacts host) {
        Path folder = options.chrootBase().resolve(options.vmm().mode().execName).resolve(options.id());
        Path root = folder.resolve("root");
        List<Entry> entries = new ArrayList<>();
        // Folders first (root's unless said), so that every bind and device below has its parent.
        Set<String> folders = new LinkedHashSet<>(List.of("/javisor", "/javisor/bin", JailLayout.RUNTIME,
                JailLayout.LIB, "/dev", "/dev/net", "/proc"));
        for (Path library : host.libraries()) {
            addParents(folders, library.toString());
        }
        for (JailFile file : options.files()) {
            addParents(folders, file.inJail());
        }
        folders.forEach(f -> entries.add(new Entry.Folder(f, 0755, false)));
        entries.add(new Entry.Folder(JailLayout.RUN, 0755, true));
        entries.add(new Entry.Folder(JailLayout.TMP, 01777, false));
        entries.add(new Entry.Folder(JailLayout.OLD_ROOT, 0700, false));

        entries.add(new Entry.ReadOnlyBind(host.runtime(), JailLayout.RUNTIME, true));
        entries.add(new Entry.ReadOnlyBind(host.tree().resolve(options.vmm().mode().libFolder), JailLayout.LIB,
                true));
        entries.add(new Entry.ReadOnlyBind(host.setpriv(), JailLayout.SETPRIV, false));
        // At the path ldd found each one (the dynamic loader's own default path, /lib64/ld-linux-x86-64.so.2,
        // is written into every executable), so that the loader finds them where it looks without a cache.
        for (Path library : host.libraries()) {
            entries.add(new Entry.ReadOnlyBind(library, library.toString(), false));
        }
        for (JailFile file : options.files()) {
            entries.add(new Entry.ReadOnlyBind(file.host(), file.inJail(), false));
        }
        for (HostDevice device : host.devices()) {
            boolean vmm = VMM_DEVICES.contains(device.path());
            entries.add(new Entry.Device(device.path(), device.major(), device.minor(), vmm ? 0660 : 0666, vmm));
        }

        Set<String> controllers = new LinkedHashSet<>();
        options.limits().forEach(l -> controllers.add(l.controller()));
        CgroupPlan cgroup = new CgroupPlan(host.cgroupRoot(),
                host.cgroupRoot().resolve(options.parentCgroup()).resolve(options.id()), controllers,
                options.limits());
        return new JailPlan(options.id(), options.uid(), options.gid(), folder, root, entries, cgroup,
                options.network(), command(options, host));
    }

    private static void addParents(Set<String> folders, String inJail) {
        List<String> parents = new ArrayList<>();
        for (Path p = Path.of(inJail).getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            parents.addFirst(p.toString());
        }
        folders.addAll(parents);
    }

    /** The VMM's command line inside the jail: the runtime's java on the jail's module path. */
    static List<String> command(JailOptions options, HostFacts host) {
        List<String> command = new ArrayList<>();
        command.add(JailLayout.RUNTIME + "/bin/java");
        command.addAll(host.jvmFlags());
        // No hsperfdata file in /tmp: nobody outside can attach to a JVM in other namespaces through it anyway.
        command.add("-XX:-UsePerfData");
        // The JVM sizes its heap from the host's memory unless told: it sees no cgroup (no /sys in the jail), and
        // a heap sized to the host would make the kernel kill the VMM at memory.max instead of the JVM
        // collecting garbage sooner.
        options.limits().stream().filter(l -> l.file().equals("memory.max") && !l.value().equals("max"))
                .reduce((a, b) -> b).map(CgroupLimit::value)
                .ifPresent(v -> command.add("-XX:MaxRAM=" + v.toLowerCase()));
        command.add("-Djava.io.tmpdir=" + JailLayout.TMP);
        command.add("-p");
        command.add(JailLayout.LIB);
        command.add("-m");
        command.add(options.vmm().mode().mainClass);
        if (options.vmm().mode().mainTakesWord) {
            command.add(options.vmm().mode().word);
        }
        command.addAll(options.vmm().args());
        return command;
    }
}
