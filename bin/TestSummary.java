import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What ./run-tests says after Maven: every skipped test with its reason, then the line
 * {@code KVM tests: N ran, M skipped}. Exits 1 when a KVM test was skipped (the build takes them where there is a
 * /dev/kvm, the KVM box on a host without one, so a skip means a test that did not prove what it should), or when
 * a module that has tests tagged "kvm" ran its other tests but not those. Run as a source file:
 * {@code java bin/TestSummary.java ROOT}.
 *
 * <p>The reports are surefire's and failsafe's XML: target/surefire-reports and target/failsafe-reports for the
 * tests that need no KVM, target/kvm-reports and target/kvm-it-reports for those tagged "kvm" (the parent pom's
 * kvm-test executions).
 */
public final class TestSummary {
    private static final List<String> KVM_REPORTS = List.of("kvm-reports", "kvm-it-reports");
    private static final List<String> OTHER_REPORTS = List.of("surefire-reports", "failsafe-reports");
    private static final Pattern KVM_TAG = Pattern.compile("@Tag\\(\"kvm\"\\)");

    record Skip(String test, String reason) {
    }

    record Count(int tests, List<Skip> skips) {
        Count plus(Count o) {
            List<Skip> all = new ArrayList<>(skips);
            all.addAll(o.skips);
            return new Count(tests + o.tests, all);
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Count kvm = new Count(0, List.of());
        Count other = new Count(0, List.of());
        List<String> problems = new ArrayList<>();
        for (Path module : modules(root)) {
            Count k = count(module, KVM_REPORTS);
            Count o = count(module, OTHER_REPORTS);
            kvm = kvm.plus(k);
            other = other.plus(o);
            if (o.tests() > 0 && k.tests() == 0 && hasKvmTests(module)) {
                problems.add(root.relativize(module) + " has tests tagged \"kvm\" but none of them ran: set "
                        + "javisor.kvm-tests.skip to false in its pom");
            }
        }
        for (Skip s : other.skips()) {
            System.out.println("skipped: " + s.test() + ": " + s.reason());
        }
        for (Skip s : kvm.skips()) {
            System.out.println("skipped KVM test: " + s.test() + ": " + s.reason());
        }
        problems.forEach(p -> System.out.println("error: " + p));
        System.out.printf("KVM tests: %d ran, %d skipped%n", kvm.tests() - kvm.skips().size(), kvm.skips().size());
        if (!kvm.skips().isEmpty()) {
            System.out.println("error: KVM tests were skipped; they must run (on this host's /dev/kvm, else in the "
                    + "KVM box, bin/kvm-box)");
        }
        System.exit(kvm.skips().isEmpty() && problems.isEmpty() ? 0 : 1);
    }

    /** The built modules: each folder of the root with a target, and each of examples/ (examples/embedded). */
    private static List<Path> modules(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path dir : List.of(root, root.resolve("examples"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> Files.isDirectory(p.resolve("target"))).sorted().forEach(out::add);
            }
        }
        return out;
    }

    private static boolean hasKvmTests(Path module) throws IOException {
        Path tests = module.resolve("src/test/java");
        if (!Files.isDirectory(tests)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(tests)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (KVM_TAG.matcher(Files.readString(f)).find()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Count count(Path module, List<String> reportDirs) throws Exception {
        Count c = new Count(0, List.of());
        for (String dir : reportDirs) {
            Path d = module.resolve("target").resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path xml : s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList()) {
                    c = c.plus(parse(xml));
                }
            }
        }
        return c;
    }

    private static Count parse(Path xml) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        NodeList cases = doc.getElementsByTagName("testcase");
        List<Skip> skips = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element tc = (Element) cases.item(i);
            NodeList skipped = tc.getElementsByTagName("skipped");
            if (skipped.getLength() > 0) {
                String reason = ((Element) skipped.item(0)).getAttribute("message");
                skips.add(new Skip(simpleName(tc.getAttribute("classname")) + "#" + tc.getAttribute("name"),
                        reason.isBlank() ? "(no reason given)" : reason));
            }
        }
        return new Count(cases.getLength(), skips);
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
