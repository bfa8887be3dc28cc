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

    /** ldd's answer: the libraries found, each once in the order first seen, and the names it did not find. */
    public record Report(List<Path> found, Set<String> notFound) {
        public Report {
            found = List.copyOf(found);
            notFound = Set.copyOf(notFound);
        }
    }

    /**
     * Every library in {@code lddOutput} (for one or many files): {@code name => /path (0x...)} lines and the
     * dynamic loader's own {@code /path (0x...)} line; the vDSO has no file. A name ldd did not find is reported
     * rather than refused: the JDK's own libraries find libjvm.so by the path the JVM loads it from, not by
     * the loader's search, so ldd cannot see it.
     */
    public static Report parse(String lddOutput) {
        Set<Path> found = new LinkedHashSet<>();
        Set<String> notFound = new LinkedHashSet<>();
        for (String line : lddOutput.lines().toList()) {
            String l = line.strip();
            if (!line.startsWith("\t") || l.startsWith("linux-vdso") || l.startsWith("linux-gate")) {
                continue; // a "FILE:" header, "statically linked" and the like
            }
            int arrow = l.indexOf(" => ");
            if (l.endsWith("=> not found")) {
                notFound.add(l.substring(0, arrow).strip());
                continue;
            }
            String rest = arrow >= 0 ? l.substring(arrow + 4) : l;
            int space = rest.indexOf(" (0x");
            String path = space >= 0 ? rest.substring(0, space) : rest;
            if (path.startsWith("/")) {
                found.add(Path.of(path).normalize());
            }
        }
        return new Report(new ArrayList<>(found), notFound);
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
