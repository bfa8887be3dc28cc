package javisor.vmm.shell;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.vm.config.VmConfig;
import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;

/**
 * What {@code javisor shell CFG...} does, for tests that need the shell in its own process on a terminal: each
 * VM's console goes to {@code LOGDIR/vm-ID.log}, the VMs are created and started, and the shell runs on standard
 * input and output, interactive when they are a terminal.
 * Arguments: {@code LOGDIR CFG...}.
 */
public final class PtyShellMain {
    private PtyShellMain() {
    }

    public static void main(String[] args) throws IOException {
        Path logs = Path.of(args[0]);
        List<Vmm.VmDefinition> defs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            defs.add(ConfigSources.fromFile(Path.of(args[i])));
        }
        int status;
        try (Vmm vmm = Vmm.init(defs, new Vmm.ConsoleFactory() {
            @Override
            public OutputStream consoleFor(VmConfig config) throws IOException {
                return Files.newOutputStream(log(logs, config));
            }

            @Override
            public Optional<Path> logFileFor(VmConfig config) {
                return Optional.of(log(logs, config));
            }
        })) {
            vmm.start();
            status = Shell.run(vmm, System.in, System.out, System.err, System.console() != null);
        }
        System.exit(status);
    }

    static Path log(Path dir, VmConfig config) {
        return dir.resolve("vm-" + config.base().id() + ".log");
    }
}
