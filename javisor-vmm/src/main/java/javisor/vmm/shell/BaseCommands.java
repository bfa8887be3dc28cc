package javisor.vmm.shell;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

import javisor.sys.kvm.KvmConstants;
import javisor.vm.VmState;
import javisor.vmm.ConsoleLoggerFinder;
import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;
import javisor.vmm.control.VmOperations;
import javisor.vmm.control.VmRefs;

import static javisor.vmm.shell.CommandSpec.command;

/** The commands that are not about one VM: help, clear, exit/quit, uname, log (AxVisor's base set) and wait. */
final class BaseCommands {
    /** How often {@code wait} looks at the clock when it has a timeout. */
    private static final Duration WAIT_SLICE = Duration.ofMillis(200);

    private BaseCommands() {
    }

    static List<CommandSpec> specs() {
        return List.of(
                command("help", "show the commands, or one command's help", """
                        'help' lists every command; 'help vm start' (or 'vm start --help') shows one command's
                        options.""", ArgSpec.any("COMMAND", ValueKind.COMMAND), BaseCommands::help),
                command("clear", "clear the screen", """
                        Clears the terminal. In a script it does nothing: scripts print no terminal control
                        codes.""", ArgSpec.NONE, BaseCommands::clear),
                exit("exit"),
                exit("quit"),
                command("uname", "show the Javisor, Java, KVM and host versions", """
                        Without options (or with -a) prints everything on one line:
                          Javisor VERSION (Java VERSION, KVM API 12) x86_64 on Linux RELEASE""",
                        ArgSpec.NONE, BaseCommands::uname,
                        OptionSpec.flag('a', "all", "print everything (the default)"),
                        OptionSpec.flag('s', "kernel-name", "print the hypervisor's name"),
                        OptionSpec.flag('m', "machine", "print the machine architecture")),
                command("log", "show or set the log level", """
                        Without LEVEL shows the level. LEVEL is one of off, error, warn, info, debug, trace;
                        'on' and 'enable' mean info, 'disable' means off. Log messages go to standard error.""",
                        ArgSpec.optional("LEVEL", ValueKind.LOG_LEVEL), BaseCommands::log),
                command("wait", "wait until VMs have stopped", """
                        Waits until each VM given (every VM when none is) has stopped, and says why it did. A VM
                        that was never started is not waited for. Ctrl-C stops waiting.""",
                        ArgSpec.any("ID", ValueKind.VM_ID), BaseCommands::await,
                        OptionSpec.value('t', "timeout", "SECONDS", "fail if a VM still runs after SECONDS")));
    }

    private static CommandSpec exit(String name) {
        return command(name, "stop every VM and leave the shell", """
                Stops every running VM cleanly (the vCPUs leave the guest, the console logs are flushed), then
                leaves the shell with status CODE (0 to 255). Without CODE the status is 0, or in a script 1 if a
                command failed. End of input (Ctrl-D) does the same as 'exit'.""",
                ArgSpec.optional("CODE", ValueKind.TEXT), BaseCommands::exit);
    }

    private static Outcome help(Invocation inv) {
        List<String> path = inv.args().positionals();
        CommandTree tree = inv.shell().commands();
        inv.shell().out().print(path.isEmpty() ? Help.overview(tree) : Help.forCommand(tree.find(path)));
        return Outcome.SUCCESS;
    }

    private static Outcome clear(Invocation inv) {
        if (inv.shell().interactive()) {
            inv.shell().out().print("\033[2J\033[H"); // erase the screen, cursor home (as AxVisor)
        }
        return Outcome.SUCCESS;
    }

    private static Outcome exit(Invocation inv) {
        List<String> p = inv.args().positionals();
        if (p.isEmpty()) {
            return new Outcome.Exit(OptionalInt.empty());
        }
        String code = p.getFirst();
        if (!code.matches("\\d{1,3}") || Integer.parseInt(code) > 255) {
            throw new ShellException("exit status must be a number from 0 to 255, got '" + code + "'");
        }
        return new Outcome.Exit(OptionalInt.of(Integer.parseInt(code)));
    }

    private static Outcome uname(Invocation inv) {
        List<String> parts = new ArrayList<>();
        if (inv.flag("all") || !inv.flag("kernel-name") && !inv.flag("machine")) {
            parts.add(unameLine());
        } else {
            if (inv.flag("kernel-name")) {
                parts.add("Javisor");
            }
            if (inv.flag("machine")) {
                parts.add(machine());
            }
        }
        inv.shell().out().println(String.join(" ", parts));
        return Outcome.SUCCESS;
    }

    /** {@code Javisor 0.1.0 (Java 25.0.1, KVM API 12) x86_64 on Linux 6.8.0}. */
    static String unameLine() {
        return "Javisor " + version() + " (Java " + System.getProperty("java.version") + ", KVM API "
                + KvmConstants.API_VERSION + ") " + machine() + " on " + System.getProperty("os.name") + " "
                + System.getProperty("os.version");
    }

    /** The module's version (set by the build), or the jar's, or "development build" when run from classes. */
    static String version() {
        return BaseCommands.class.getModule().getDescriptor() != null
                ? BaseCommands.class.getModule().getDescriptor().rawVersion()
                        .orElseGet(BaseCommands::packageVersion)
                : packageVersion();
    }

    private static String packageVersion() {
        String v = BaseCommands.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    private static String machine() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") ? "x86_64" : arch;
    }

    private static Outcome log(Invocation inv) {
        List<String> p = inv.args().positionals();
        if (p.isEmpty()) {
            inv.shell().out().println("log level: " + levelName());
            return Outcome.SUCCESS;
        }
        String level = switch (p.getFirst().toLowerCase(Locale.ROOT)) {
            case "on", "enable" -> "info";
            case "off", "disable" -> "off";
            case "error", "warn", "warning", "info", "debug", "trace" -> p.getFirst().toLowerCase(Locale.ROOT);
            default -> throw new ShellException("unknown log level '" + p.getFirst()
                    + "' (expected off, error, warn, info, debug, trace, on or disable)");
        };
        ConsoleLoggerFinder.setLevel(level);
        inv.shell().out().println("log level: " + levelName());
        return Outcome.SUCCESS;
    }

    private static String levelName() {
        return ConsoleLoggerFinder.level().name().toLowerCase(Locale.ROOT);
    }

    /** The level names {@code log} takes, for completion. */
    static List<String> levelNames() {
        return List.of("off", "error", "warn", "info", "debug", "trace", "on", "enable", "disable");
    }

    private static Outcome await(Invocation inv) throws InterruptedException {
        Vmm vmm = inv.shell().vmm();
        List<Long> ids = inv.args().positionals().isEmpty()
                ? vmm.list().stream().map(VmInfo::id).toList()
                : inv.args().positionals().stream().map(w -> VmRefs.resolve(vmm, w)).toList();
        String timeout = inv.args().value("timeout").orElse(null);
        long deadline = timeout == null ? 0 : System.nanoTime() + Units.seconds("--timeout", timeout).toNanos();
        boolean ok = true;
        for (long id : ids) {
            VmInfo v = vmm.info(id);
            if (v.state() == VmState.LOADED) {
                inv.shell().out().println(VmOperations.describe(v) + " was never started");
                continue;
            }
            boolean stopped;
            while (!(stopped = vmm.await(id, WAIT_SLICE)) && (timeout == null || System.nanoTime() - deadline < 0)) {
                // keep waiting: the slice only lets the deadline be checked
            }
            v = vmm.info(id);
            if (stopped) {
                inv.shell().out().println(VmOperations.describe(v) + " stopped: " + v.stopReason());
            } else {
                inv.shell().error(VmOperations.describe(v) + " is still " + v.state() + " after " + timeout + " s");
                ok = false;
            }
        }
        return ok ? Outcome.SUCCESS : Outcome.FAILURE;
    }
}
