package javisor.vmm.shell;

import java.util.List;

/**
 * Runs one command line: splits it, finds the command, answers {@code --help}, parses the options and calls the
 * handler. Every failure becomes one error message; nothing a user types ends the shell except {@code exit}.
 */
final class Dispatcher {
    private final ShellContext shell;

    Dispatcher(ShellContext shell) {
        this.shell = shell;
    }

    ShellContext shell() {
        return shell;
    }

    Outcome execute(String line) {
        try {
            List<String> words = Tokenizer.split(line);
            if (words.isEmpty()) {
                return Outcome.SUCCESS;
            }
            CommandTree.Resolved r = shell.commands().resolve(words);
            if (asksForHelp(r.rest())) {
                shell.out().print(Help.forCommand(r.command()));
                return Outcome.SUCCESS;
            }
            ParsedArgs args = ArgParser.parse(r.command(), r.rest());
            return r.command().handler().run(new Invocation(shell, r.command(), args));
        } catch (InterruptedException e) {
            Thread.interrupted(); // the interrupt was for this command only (Ctrl-C); the shell goes on
            shell.error("interrupted");
            return Outcome.FAILURE;
        } catch (Exception e) {
            shell.error(Errors.message(e));
            return Outcome.FAILURE;
        } finally {
            shell.out().flush();
        }
    }

    /** {@code -h} or {@code --help} before any {@code --}: help wins over every other word. */
    private static boolean asksForHelp(List<String> rest) {
        for (String w : rest) {
            if (w.equals("--")) {
                return false;
            }
            if (w.equals("--help") || w.equals("-h")) {
                return true;
            }
        }
        return false;
    }
}
