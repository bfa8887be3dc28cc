package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javisor.vmm.ConsoleLoggerFinder;

import static org.assertj.core.api.Assertions.assertThat;

/** What the shell does with lines that need no VM: help, parse errors, uname, log, exit, clear. */
@Timeout(10)
class CommandLineTest {
    private final LineDriver shell = new LineDriver(null);

    private static List<String> everyCommand() {
        List<String> paths = new ArrayList<>();
        collect(ShellCommands.tree().root(), paths);
        return paths;
    }

    private static void collect(CommandSpec node, List<String> paths) {
        for (CommandSpec c : node.children()) {
            paths.add(c.path());
            collect(c, paths);
        }
    }

    @Test
    void theCommandListNamesEveryCommand() {
        LineDriver.Result r = shell.run("help");
        assertThat(r.errors()).isEmpty();
        assertThat(r.out()).startsWith("Javisor shell commands:\n");
        for (String path : everyCommand()) {
            if (!path.equals("vm")) {
                assertThat(r.out()).as(path).containsPattern("(?m)^  " + path + "\\b");
            }
        }
        assertThat(everyCommand()).contains("help", "clear", "exit", "quit", "uname", "log", "wait", "ls", "cat",
                "echo", "mkdir", "rm", "cd", "pwd", "touch", "cp", "mv", "vm list",
                "vm show", "vm stats", "vm create", "vm start", "vm stop", "vm suspend", "vm resume", "vm restart",
                "vm delete", "vm console");
    }

    @Test
    void everyCommandHasHelpThroughHelpAndThroughDashDashHelp() {
        for (String path : everyCommand()) {
            LineDriver.Result viaHelp = shell.run("help " + path);
            LineDriver.Result viaOption = shell.run(path + " --help");
            LineDriver.Result viaShort = shell.run(path + " -h");
            assertThat(viaHelp.errors()).as(path).isEmpty();
            assertThat(viaHelp.out()).as(path).startsWith(path + " - ").contains("\nUsage: " + path)
                    .contains("  -h, --help");
            assertThat(viaOption.out()).as(path).isEqualTo(viaHelp.out());
            assertThat(viaShort.out()).as(path).isEqualTo(viaHelp.out());
        }
    }

    @Test
    void vmStartHelpListsItsOptions() {
        assertThat(shell.run("vm start --help").out()).isEqualTo("""
                vm start - start VMs (every LOADED or STOPPED one when no ID is given)

                Usage: vm start [OPTIONS] [ID...]

                A LOADED VM boots; a STOPPED one is rebuilt from its config and images and boots afresh.
                The shell returns at once (-d, the default); with -c it attaches to the VM's console as
                'vm console' does.

                Options:
                  -d, --detach   return to the shell once started (the default)
                  -c, --console  attach to the console once started (one ID only)
                  -h, --help     show this help
                """);
    }

    @Test
    void rmHelpListsItsOptions() {
        assertThat(shell.run("rm --help").out()).isEqualTo("""
                rm - remove files and directories

                Usage: rm [OPTIONS] PATH...

                A directory needs -r (it and everything in it) or -d (only when empty). A symbolic link is
                removed itself, never what it points to. Every PATH is checked first: when one cannot be
                removed, none is. -f passes over PATHs that do not exist without a word; other errors are
                still reported (AxVisor's -f hides them all).

                Options:
                  -r, --recursive  remove directories and everything in them
                  -d, --dir        remove empty directories
                  -f, --force      ignore PATHs that do not exist
                  -h, --help       show this help
                """);
    }

    @Test
    void cdHelpSaysItGoesHomeAndCpHelpShowsSourcesThenTarget() {
        assertThat(shell.run("help cd").out()).contains("Usage: cd [DIR]\n")
                .contains("Without DIR goes to your home directory ($HOME)");
        assertThat(shell.run("cp -h").out()).contains("Usage: cp [OPTIONS] SRC... DST\n");
        assertThat(shell.run("help").out()).contains("  mv SRC... DST ").contains("  ls [PATH...] ");
    }

    @Test
    void helpWinsOverOtherWordsAndBadOptions() {
        assertThat(shell.run("vm stop 1 2 --bogus --help").out()).startsWith("vm stop - ");
    }

    @Test
    void vmAloneAndVmHelpShowTheVmCommands() {
        String group = shell.run("help vm").out();
        assertThat(group).startsWith("vm - manage virtual machines").contains("Commands:\n  vm list ");
        assertThat(shell.run("vm").out()).isEqualTo(group);
        assertThat(shell.run("vm help").out()).isEqualTo(group);
        assertThat(shell.run("vm help start").out()).isEqualTo(shell.run("help vm start").out());
    }

    @Test
    void unknownCommandIsNamed() {
        LineDriver.Result r = shell.run("frobnicate now");
        assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(r.errors()).containsExactly("unknown command 'frobnicate' (type 'help' for the commands)");
    }

    @Test
    void unknownSubcommandIsNamed() {
        assertThat(shell.run("vm frob 1").errors())
                .containsExactly("unknown command 'vm frob' (type 'help vm' for its commands)");
        assertThat(shell.run("help vm frob").errors())
                .containsExactly("unknown command 'vm frob' (type 'help vm' for its commands)");
    }

    @Test
    void unknownOptionIsNamed() {
        assertThat(shell.run("vm list --bogus").errors())
                .containsExactly("unknown option --bogus for 'vm list' (see 'vm list --help')");
    }

    @Test
    void emptyLinesAndCommentsDoNothing() {
        assertThat(shell.run("   ").outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(shell.run("# vm delete 1").outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(shell.run("").out()).isEmpty();
    }

    @Test
    void unameNamesJavisorJavaKvmAndTheHost() {
        String line = shell.run("uname").out();
        assertThat(line).matches("Javisor \\S+( build\\))? \\(Java [0-9.]+\\S*, KVM API 12\\) x86_64 on Linux \\S+\n");
        assertThat(shell.run("uname -a").out()).isEqualTo(line);
        assertThat(shell.run("uname -s").out()).isEqualTo("Javisor\n");
        assertThat(shell.run("uname -m").out()).isEqualTo("x86_64\n");
        assertThat(shell.run("uname -sm").out()).isEqualTo("Javisor x86_64\n");
    }

    @Test
    void logShowsAndSetsTheLevelWithAxVisorsNames() {
        String before = ConsoleLoggerFinder.level().name();
        try {
            assertThat(shell.run("log debug").out()).isEqualTo("log level: debug\n");
            assertThat(shell.run("log").out()).isEqualTo("log level: debug\n");
            assertThat(shell.run("log on").out()).isEqualTo("log level: info\n");
            assertThat(shell.run("log disable").out()).isEqualTo("log level: off\n");
            assertThat(shell.run("log enable").out()).isEqualTo("log level: info\n");
            assertThat(shell.run("log warn").out()).isEqualTo("log level: warning\n");
            assertThat(shell.run("log loud").errors()).containsExactly(
                    "unknown log level 'loud' (expected off, error, warn, info, debug, trace, on or disable)");
        } finally {
            ConsoleLoggerFinder.setLevel(before);
        }
    }

    @Test
    void exitAndQuitTakeAnOptionalCode() {
        assertThat(shell.run("exit").outcome()).isEqualTo(new Outcome.Exit(OptionalInt.empty()));
        assertThat(shell.run("quit 3").outcome()).isEqualTo(new Outcome.Exit(OptionalInt.of(3)));
        assertThat(shell.run("exit 256").errors())
                .containsExactly("exit status must be a number from 0 to 255, got '256'");
        assertThat(shell.run("exit x").outcome()).isEqualTo(Outcome.FAILURE);
    }

    @Test
    void clearPrintsNoControlCodesInAScript() {
        LineDriver.Result r = shell.run("clear");
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aQuotingErrorIsReported() {
        assertThat(shell.run("vm create \"a.toml").errors()).containsExactly("unterminated double quote");
    }
}
