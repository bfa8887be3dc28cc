package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;

/**
 * Tab completion from the command tree: command and subcommand names, a command's options, an option's
 * allowed values, and its arguments by kind (VM ids with their names, paths from the shell's working directory,
 * log levels, command names). JLine keeps the candidates that start with what was typed.
 */
final class ShellCompleter implements Completer {
    private final CommandTree tree;
    private final Vmm vmm;
    private final WorkingDirectory cwd;

    ShellCompleter(CommandTree tree, Vmm vmm, WorkingDirectory cwd) {
        this.tree = tree;
        this.vmm = vmm;
        this.cwd = cwd;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> before = line.words().subList(0, line.wordIndex());
        String current = line.word().substring(0, line.wordCursor());
        candidates.addAll(candidates(before, current));
    }

    /** The candidates for the word {@code current} after the complete words {@code before}. */
    List<Candidate> candidates(List<String> before, String current) {
        CommandSpec node = tree.root();
        int i = 0;
        while (i < before.size() && node.child(before.get(i)).isPresent()) {
            node = node.child(before.get(i)).orElseThrow();
            i++;
        }
        List<String> rest = before.subList(i, before.size());
        if (node == tree.root()) {
            return rest.isEmpty() ? names(node.children()) : List.of();
        }
        if (current.startsWith("-")) {
            return options(node);
        }
        if (node.isGroup()) {
            return rest.isEmpty() ? names(node.children()) : List.of();
        }
        Optional<OptionSpec> pending = rest.isEmpty() ? Optional.empty() : optionAwaitingValue(node, rest.getLast());
        if (pending.isPresent()) {
            return pending.get().values().stream().map(ShellCompleter::plain).toList();
        }
        if (!rest.isEmpty() && rest.getLast().equals(Redirection.WORD)) {
            return paths(current, false); // echo TEXT > FILE
        }
        List<String> positionals = positionals(node, rest);
        if (positionals.size() >= node.args().max()) {
            return List.of();
        }
        return switch (node.args().kind()) {
            case VM_ID -> vms();
            case FILE -> paths(current, false);
            case DIRECTORY -> paths(current, true);
            case LOG_LEVEL -> BaseCommands.levelNames().stream().map(ShellCompleter::plain).toList();
            case COMMAND -> commandNames(node, positionals);
            case TEXT -> List.of();
        };
    }

    private static List<Candidate> names(List<CommandSpec> commands) {
        return commands.stream().map(c -> new Candidate(c.name(), c.name(), null, c.summary(), null, null, true))
                .toList();
    }

    private static List<Candidate> options(CommandSpec c) {
        List<Candidate> out = new ArrayList<>();
        for (OptionSpec o : c.options()) {
            out.add(new Candidate("--" + o.longName(), "--" + o.longName(), null, o.description(), null, null,
                    true));
        }
        return out;
    }

    private static Candidate plain(String value) {
        return new Candidate(value);
    }

    /** The option {@code word} names, if it takes a value that must follow as the next word. */
    private static Optional<OptionSpec> optionAwaitingValue(CommandSpec c, String word) {
        Optional<OptionSpec> o = Optional.empty();
        if (word.startsWith("--") && !word.contains("=")) {
            o = c.longOption(word.substring(2));
        } else if (word.startsWith("-") && word.length() >= 2 && !word.startsWith("--")) {
            o = c.shortOption(word.charAt(word.length() - 1));
        }
        return o.filter(OptionSpec::takesValue);
    }

    /** The arguments among {@code words}: what is neither an option nor an option's value. */
    private static List<String> positionals(CommandSpec c, List<String> words) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (!w.startsWith("-") || w.equals("-")) {
                out.add(w);
            } else if (optionAwaitingValue(c, w).isPresent()) {
                i++;
            }
        }
        return out;
    }

    private List<Candidate> vms() {
        List<Candidate> out = new ArrayList<>();
        for (VmInfo v : vmm.list()) {
            String id = Long.toString(v.id());
            out.add(new Candidate(id, id, null, v.name() + " (" + VmViews.state(v.state()) + ")", null, null, true));
        }
        return out;
    }

    /** {@code help vm st<TAB>}: names under the group the words so far reach. */
    private List<Candidate> commandNames(CommandSpec helpCommand, List<String> typed) {
        String path = helpCommand.path();
        CommandSpec node = path.contains(" ") ? tree.find(List.of(path.substring(0, path.lastIndexOf(' '))
                .split(" "))) : tree.root();
        for (String w : typed) {
            Optional<CommandSpec> next = node.child(w);
            if (next.isEmpty()) {
                return List.of();
            }
            node = next.get();
        }
        return names(node.children());
    }

    /**
     * Entries of the directory typed so far, from the shell's working directory; directories end with '/' and
     * leave the word open. Names starting with '.' only once a '.' is typed.
     *
     * @param directoriesOnly offer only directories (for cd and mkdir)
     */
    private List<Candidate> paths(String current, boolean directoriesOnly) {
        int slash = current.lastIndexOf('/');
        String dirPart = current.substring(0, slash + 1);
        String namePart = current.substring(slash + 1);
        List<Candidate> out = new ArrayList<>();
        try {
            Path dir = dirPart.isEmpty() ? cwd.current() : cwd.resolve(dirPart);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".") && !namePart.startsWith(".")) {
                        continue;
                    }
                    boolean isDir = Files.isDirectory(p);
                    if (directoriesOnly && !isDir) {
                        continue;
                    }
                    String shown = isDir ? name + "/" : name;
                    out.add(new Candidate(dirPart + shown, shown, null, null, null, null, !isDir));
                }
            }
        } catch (IOException | ShellException e) {
            return List.of(); // nothing to offer from a directory that cannot be read, or a word that is no path
        }
        return out;
    }
}
