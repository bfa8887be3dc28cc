package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;

/** The help texts: the list of every command, and one command's usage, description, subcommands and options. */
final class Help {
    private Help() {
    }

    /** {@code help}: every command with its arguments and summary, groups expanded. */
    static String overview(CommandTree tree) {
        List<String[]> rows = new ArrayList<>();
        collect(tree.root(), rows);
        return "Javisor shell commands:\n" + table(rows)
                + "Type 'help COMMAND' or 'COMMAND --help' for a command's options.\n";
    }

    private static void collect(CommandSpec node, List<String[]> rows) {
        for (CommandSpec c : node.children()) {
            if (c.isGroup()) {
                collect(c, rows);
            } else {
                rows.add(new String[] {c.shortUsage(), c.summary()});
            }
        }
    }

    /** {@code help vm start}, {@code vm start --help}. */
    static String forCommand(CommandSpec c) {
        StringBuilder sb = new StringBuilder();
        sb.append(c.path()).append(" - ").append(c.summary()).append("\n\n");
        sb.append("Usage: ").append(c.usage()).append('\n');
        if (!c.description().isEmpty()) {
            sb.append('\n').append(c.description().strip()).append('\n');
        }
        if (c.isGroup()) {
            List<String[]> rows = new ArrayList<>();
            for (CommandSpec s : c.children()) {
                rows.add(new String[] {s.shortUsage(), s.summary()});
            }
            sb.append("\nCommands:\n").append(table(rows));
        }
        List<String[]> rows = new ArrayList<>();
        for (OptionSpec o : c.options()) {
            String d = o.description();
            if (!o.values().isEmpty()) {
                d += " (" + String.join(", ", o.values()) + ")";
            }
            rows.add(new String[] {o.synopsis(), d});
        }
        sb.append("\nOptions:\n").append(table(rows));
        return sb.toString();
    }

    /** Two columns, the first padded to its widest entry. */
    private static String table(List<String[]> rows) {
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append("  ").append(r[0]).append(" ".repeat(width - r[0].length() + 2)).append(r[1]).append('\n');
        }
        return sb.toString();
    }
}
