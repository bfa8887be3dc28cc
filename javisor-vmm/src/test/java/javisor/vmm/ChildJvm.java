package javisor.vmm;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command that runs a main class of this module in a new JVM, on this test run's module path. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** The java command that runs {@code mainClass} of javisor.vmm (its test classes included) with {@code args}. */
    public static List<String> command(String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath == null) {
            throw new IllegalStateException("tests must run on the module path (jdk.module.path is not set)");
        }
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=javisor.sys",
                "--illegal-native-access=deny", "-p", modulePath));
        Path testClasses = testClasses();
        if (!modulePath.contains(testClasses.toString())) {
            cmd.addAll(List.of("--patch-module", "javisor.vmm=" + testClasses));
        }
        cmd.addAll(List.of("-m", "javisor.vmm/" + mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Path testClasses() {
        try {
            return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
