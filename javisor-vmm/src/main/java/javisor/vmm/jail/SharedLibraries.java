package javisor.vmm.jail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The C libraries the VMM's executables load, from {@code ldd}'s report: the jail holds these and no others.
 * (Firecracker is linked statically, so its jail needs none; a JVM loads libc, libm, the dynamic loader and
 * a few more, and setpriv libcap-ng.)
 */
public final class SharedLibraries {
    private SharedLibraries() {
    }

    /**
     * Every library path in {@code lddOutput} (for one or many files), each once, in the order first seen:
     * {@code name => /path (0x...)} lines and the dynamic loader's own {@code /path (0x...)} line. The vDSO has no
     * file; a library ldd did not find is an error, since the VMM could not start without it.
     */
    public static List<Path> parse(String lddOutput) throws JailException {
        Set<Path> found = new LinkedHashSet<>();
        for (String line : lddOutput.lines().toList()) {
            String l = line.strip();
            if (!line.startsWith("\t") || l.startsWith("linux-vdso") || l.startsWith("linux-gate")) {
                continue; // a "FILE:" header, "statically linked" and the like
            }
            if (l.contains("=> not found")) {
                throw JailException.host("ldd: a library the VMM needs is missing on this host: " + l);
            }
            int arrow = l.indexOf("=> ");
            String rest = arrow >= 0 ? l.substring(arrow + 3) : l;
            int space = rest.indexOf(" (0x");
            String path = space >= 0 ? rest.substring(0, space) : rest;
            if (path.startsWith("/")) {
                found.add(Path.of(path).normalize());
            }
        }
        return List.copyOf(found);
    }

    /** {@code libraries} without those inside {@code runtime}, which is bound into the jail whole. */
    public static List<Path> outside(Path runtime, List<Path> libraries) {
        Path r = runtime.toAbsolutePath().normalize();
        List<Path> out = new ArrayList<>();
        for (Path l : libraries) {
            if (!l.toAbsolutePath().normalize().startsWith(r)) {
                out.add(l);
            }
        }
        return out;
    }
}
