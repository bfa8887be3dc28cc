package javisor.vmm.shell;

import java.util.List;

/**
 * The shell's commands as a tree (AxVisor's {@code CommandNode} tree): the root's children are the top-level
 * commands, {@code vm}'s children its subcommands. Lookup is greedy along the tree, as in AxVisor: the longest
 * run of words that names a command picks it, and the remaining words are its arguments.
 */
final class CommandTree {
    /** A command and the words after its name. */
    record Resolved(CommandSpec command, List<String> rest) {
    }

    private final CommandSpec root;

    CommandTree(List<CommandSpec> topLevel) {
        this.root = new CommandSpec("", "", "", ArgSpec.NONE, List.of(), topLevel, inv -> Outcome.SUCCESS);
    }

    CommandSpec root() {
        return root;
    }

    /** The command {@code words} start with; an unknown command or subcommand is an error naming it. */
    Resolved resolve(List<String> words) {
        CommandSpec node = root;
        int i = 0;
        while (i < words.size() && node.child(words.get(i)).isPresent()) {
            node = node.child(words.get(i)).orElseThrow();
            i++;
        }
        if (node == root) {
            throw unknown(words.getFirst(), "");
        }
        List<String> rest = words.subList(i, words.size());
        if (node.isGroup() && !rest.isEmpty() && !rest.getFirst().startsWith("-")) {
            throw unknown(node.path() + " " + rest.getFirst(), node.path());
        }
        return new Resolved(node, rest);
    }

    /** The command named exactly by {@code path} (for {@code help vm start}). */
    CommandSpec find(List<String> path) {
        CommandSpec node = root;
        for (int i = 0; i < path.size(); i++) {
            CommandSpec parent = node;
            node = node.child(path.get(i)).orElseThrow(() -> unknown(String.join(" ", path), parent.path()));
        }
        return node;
    }

    private static ShellException unknown(String command, String groupPath) {
        String hint = groupPath.isEmpty() ? "type 'help' for the commands"
                : "type 'help " + groupPath + "' for its commands";
        return new ShellException("unknown command '" + command + "' (" + hint + ")");
    }
}
