package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node of the command tree, as AxVisor's {@code CommandNode}: a command ({@code vm start}) with its options,
 * arguments and handler, or a group ({@code vm}) whose children are the subcommands. Every command takes
 * {@code -h/--help}, which AxVisor's tree does not.
 *
 * @param path        the words that name it, such as {@code vm start}
 * @param summary     one line for the command list
 * @param description more, for its own help; may be empty
 */
record CommandSpec(String path, String summary, String description, ArgSpec args, List<OptionSpec> options,
                   List<CommandSpec> children, Handler handler) {
    CommandSpec {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(handler, "handler");
        List<OptionSpec> all = new ArrayList<>(options);
        if (all.stream().noneMatch(o -> o.longName().equals(OptionSpec.HELP.longName()))) {
            all.add(OptionSpec.HELP);
        }
        options = List.copyOf(all);
        children = List.copyOf(children);
    }

    static CommandSpec command(String path, String summary, String description, ArgSpec args, Handler handler,
                               OptionSpec... options) {
        return new CommandSpec(path, summary, description, args, List.of(options), List.of(), handler);
    }

    /** The last word of the path: what is typed to reach it from its parent. */
    String name() {
        int space = path.lastIndexOf(' ');
        return space < 0 ? path : path.substring(space + 1);
    }

    boolean isGroup() {
        return !children.isEmpty();
    }

    Optional<CommandSpec> child(String name) {
        return children.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    Optional<OptionSpec> longOption(String longName) {
        return options.stream().filter(o -> o.longName().equals(longName)).findFirst();
    }

    Optional<OptionSpec> shortOption(char shortName) {
        return options.stream().filter(o -> o.shortName() == shortName).findFirst();
    }

    /** {@code vm start [OPTIONS] [ID...]}. */
    String usage() {
        StringBuilder sb = new StringBuilder(path);
        if (isGroup()) {
            sb.append(" COMMAND");
        }
        if (options.size() > 1) { // more than --help
            sb.append(" [OPTIONS]");
        }
        String a = args.synopsis();
        if (!a.isEmpty() && !isGroup()) {
            sb.append(' ').append(a);
        }
        return sb.toString();
    }

    /** {@code vm start [ID...]}: the path and arguments, for the command list. */
    String shortUsage() {
        String a = args.synopsis();
        return a.isEmpty() || isGroup() ? path : path + " " + a;
    }
}
