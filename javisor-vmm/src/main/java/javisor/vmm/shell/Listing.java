package javisor.vmm.shell;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

/**
 * What {@code ls} prints for one PATH: a directory's entries sorted by name, or a file's own line, as AxVisor's
 * ls. The long form is AxVisor's, {@code -rw-r--r--      612 linux.toml}, read without following links so a
 * link shows as {@code l} (AxVisor's follows it, so it never does), with its target after {@code ->}.
 */
final class Listing {
    private Listing() {
    }

    /**
     * @param typed   the PATH as typed: a file's line shows it, a directory's header too
     * @param several more than one PATH is listed, so a directory's list is headed {@code PATH:}
     */
    static String of(Path p, String typed, boolean several, boolean longForm, boolean all) throws IOException {
        if (!Files.isDirectory(p)) {
            if (!Files.exists(p, NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(p.toString());
            }
            return line(p, typed, longForm);
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (all || !name.startsWith(".")) {
                    names.add(name);
                }
            }
        }
        names.sort(null);
        StringBuilder sb = new StringBuilder(several ? typed + ":\n" : "");
        for (String name : names) {
            sb.append(line(p.resolve(name), name, longForm));
        }
        return sb.toString();
    }

    private static String line(Path p, String name, boolean longForm) throws IOException {
        if (!longForm) {
            return name + "\n";
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size", NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        char type = type(mode);
        String shown = type == 'l' ? name + " -> " + Files.readSymbolicLink(p) : name;
        return "%c%s %8d %s\n".formatted(type, permissions(mode), (Long) a.get("size"), shown);
    }

    /** The file type bits (S_IFMT) as ls shows them. */
    private static char type(int mode) {
        return switch (mode & 0170000) {
            case 0040000 -> 'd';
            case 0100000 -> '-';
            case 0120000 -> 'l';
            case 0020000 -> 'c';
            case 0060000 -> 'b';
            case 0010000 -> 'p';
            case 0140000 -> 's';
            default -> '?';
        };
    }

    /** {@code rwxr-x---}: owner, group, others. */
    private static String permissions(int mode) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 8; bit >= 0; bit--) {
            sb.append((mode & 1 << bit) != 0 ? "rwx".charAt((8 - bit) % 3) : '-');
        }
        return sb.toString();
    }
}
