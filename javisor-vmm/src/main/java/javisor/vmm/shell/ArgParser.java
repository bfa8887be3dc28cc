package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a command's words against its {@link CommandSpec}, with AxVisor's forms: {@code --opt=value},
 * {@code --opt value}, {@code --flag}, bundled short flags ({@code -fc}), and a short option taking a value as
 * the last letter of a bundle ({@code -fn NAME}) or with the value attached ({@code -m128}). {@code --} ends the
 * options; a word that looks like a negative number is an argument. A repeated option keeps its last value.
 */
final class ArgParser {
    private ArgParser() {
    }

    static ParsedArgs parse(CommandSpec command, List<String> words) {
        Set<String> flags = new HashSet<>();
        Map<String, String> values = new HashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (optionsEnded || !w.startsWith("-") || w.equals("-") || w.matches("-\\d+")) {
                positionals.add(w);
            } else if (w.equals("--")) {
                optionsEnded = true;
            } else if (w.startsWith("--")) {
                int eq = w.indexOf('=');
                String name = eq < 0 ? w.substring(2) : w.substring(2, eq);
                OptionSpec o = command.longOption(name).orElseThrow(() -> unknown(command, "--" + name));
                if (!o.takesValue()) {
                    if (eq >= 0) {
                        throw new ShellException("option --" + name + " of '" + command.path() + "' takes no value");
                    }
                    flags.add(o.longName());
                } else if (eq >= 0) {
                    values.put(o.longName(), checked(command, o, "--" + name, w.substring(eq + 1)));
                } else {
                    values.put(o.longName(), checked(command, o, "--" + name, valueAfter(command, o, "--" + name,
                            words, i++)));
                }
            } else {
                for (int j = 1; j < w.length(); j++) {
                    char c = w.charAt(j);
                    OptionSpec o = command.shortOption(c).orElseThrow(() -> unknown(command, "-" + c));
                    if (!o.takesValue()) {
                        flags.add(o.longName());
                    } else if (j + 1 < w.length()) {
                        values.put(o.longName(), checked(command, o, "-" + c, w.substring(j + 1)));
                        break;
                    } else {
                        values.put(o.longName(), checked(command, o, "-" + c, valueAfter(command, o, "-" + c,
                                words, i++)));
                    }
                }
            }
        }
        checkCount(command, positionals);
        return new ParsedArgs(flags, values, positionals);
    }

    private static ShellException unknown(CommandSpec command, String option) {
        return new ShellException("unknown option " + option + " for '" + command.path() + "' (see '"
                + command.path() + " --help')");
    }

    private static String valueAfter(CommandSpec command, OptionSpec o, String typed, List<String> words, int i) {
        if (i + 1 >= words.size()) {
            throw new ShellException("option " + typed + " of '" + command.path() + "' needs a value ("
                    + o.valueName() + ")");
        }
        return words.get(i + 1);
    }

    private static String checked(CommandSpec command, OptionSpec o, String typed, String value) {
        if (!o.values().isEmpty() && !o.values().contains(value)) {
            throw new ShellException("option " + typed + " of '" + command.path() + "' expects "
                    + String.join(" or ", o.values()) + ", got '" + value + "'");
        }
        return value;
    }

    private static void checkCount(CommandSpec command, List<String> positionals) {
        ArgSpec a = command.args();
        int n = positionals.size();
        if (n < a.min()) {
            throw new ShellException("'" + command.path() + "' needs " + a.synopsis() + " (see '" + command.path()
                    + " --help')");
        }
        if (n > a.max()) {
            String what = a.max() == 0 ? "no arguments" : a.max() == 1 ? "one " + a.name()
                    : "at most " + a.max() + " arguments";
            throw new ShellException("'" + command.path() + "' takes " + what + ", got " + String.join(" ",
                    positionals.stream().map(p -> "'" + p + "'").toList()));
        }
    }
}
