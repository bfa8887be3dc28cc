package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A config folder that {@code javisor shell} edits with its file commands while a kill may come at any moment,
 * and what it may hold afterwards: each file its old content or one of the new ones, each copied or moved tree
 * whole or absent, never part of one under the target's name; at most temporary names
 * ({@code .NAME.javisor-tmp-XXXXXXXX}) beside them, which {@link #problems} counts and clears.
 *
 * <p>The VM's own files (its config and disk) sit in the same folder; the edits never change the config's
 * content ({@code touch} only sets its times) and leave the disk to the guest.
 *
 * @param dir      the config folder ({@code --config-dir})
 * @param sources  the files the edits copy from: a.bin, b.bin (8 MiB each) and tree/ (12 files of 64 KiB)
 * @param elsewhere a folder on another file system, for mv's copy-then-delete path
 * @param config   what the VM's config holds, which no edit may change
 * @param notes    every text notes.toml was given so far: it must hold one of them
 */
public record ConfigDirEdits(Path dir, Path sources, Path elsewhere, byte[] config, Set<String> notes) {
    static final String CONFIG = "journal.toml";
    static final String DISK = "disk.img";
    private static final int PAYLOAD = 8 << 20;
    private static final Set<String> FIXED = Set.of(CONFIG, DISK, "notes.toml", "payload.bin", "moved.bin");

    /** Makes {@code top/cfg} with the VM's config ({@code configText}), and the sources {@code top/src}. */
    public static ConfigDirEdits create(Path top, Path elsewhere, String configText) throws IOException {
        Path dir = Files.createDirectories(top.resolve("cfg"));
        Path sources = Files.createDirectories(top.resolve("src"));
        Files.write(sources.resolve("a.bin"), pattern(PAYLOAD, 'a'));
        Files.write(sources.resolve("b.bin"), pattern(PAYLOAD, 'b'));
        for (int i = 0; i < 12; i++) {
            Path f = sources.resolve("tree/d" + i % 3 + "/f" + i);
            Files.createDirectories(f.getParent());
            Files.write(f, pattern(64 << 10, i));
        }
        byte[] config = configText.getBytes();
        Files.write(dir.resolve(CONFIG), config);
        Files.copy(sources.resolve("a.bin"), dir.resolve("payload.bin"));
        String firstNotes = notesText(0);
        Files.writeString(dir.resolve("notes.toml"), firstNotes);
        Set<String> notes = new HashSet<>();
        notes.add(firstNotes);
        return new ConfigDirEdits(dir, sources, elsewhere, config, notes);
    }

    /** The kinds of edit in a round, each a step of one or more shell lines. */
    public static final int STEPS = 6;

    /**
     * The shell lines of edit round {@code k} (paths relative to the folder above {@code dir}), its steps from
     * {@code firstStep} on and round again, so that runs killed early still reach every kind of edit. Each step
     * ends with {@code pwd}, so the shell's output counts the steps done.
     */
    public List<String> round(int k, int firstStep) {
        String text = notesText(k);
        notes.add(text);
        String cfg = dir.getFileName().toString();
        String src = sources.getFileName().toString();
        List<List<String>> steps = List.of(
                List.of("echo " + text.strip() + " > " + cfg + "/notes.toml"),
                List.of("cp " + src + (k % 2 == 0 ? "/a.bin " : "/b.bin ") + cfg + "/payload.bin"),
                List.of("cp -r " + src + "/tree " + cfg + "/tree-" + k, "rm -r -f " + cfg + "/tree-" + (k - 1)),
                List.of("cp " + src + "/a.bin " + elsewhere.resolve("moved.bin"),
                        "mv " + elsewhere.resolve("moved.bin") + " " + cfg + "/moved.bin"),
                List.of("cp -r " + src + "/tree " + elsewhere.resolve("tree-" + k),
                        "mv " + elsewhere.resolve("tree-" + k) + " " + cfg + "/mtree-" + k,
                        "rm -r -f " + cfg + "/mtree-" + k),
                List.of("touch " + cfg + "/" + CONFIG));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            lines.addAll(steps.get((firstStep + i) % STEPS));
            lines.add("pwd");
        }
        return lines;
    }

    /** Checks the folder; returns the problems and how many temporary names were left (then removed). */
    public Check check() throws IOException {
        List<String> problems = new ArrayList<>();
        if (!Arrays.equals(Files.readAllBytes(dir.resolve(CONFIG)), config)) {
            problems.add(CONFIG + " changed");
        }
        String notesNow = Files.readString(dir.resolve("notes.toml"));
        if (!notes.contains(notesNow)) {
            problems.add("notes.toml holds none of its versions: '" + notesNow + "'");
        }
        byte[] payload = Files.readAllBytes(dir.resolve("payload.bin"));
        if (!Arrays.equals(payload, read("a.bin")) && !Arrays.equals(payload, read("b.bin"))) {
            problems.add("payload.bin is neither a.bin nor b.bin (" + payload.length + " bytes)");
        }
        Path moved = dir.resolve("moved.bin");
        if (Files.exists(moved) && !Arrays.equals(Files.readAllBytes(moved), read("a.bin"))) {
            problems.add("moved.bin is not a.bin (" + Files.size(moved) + " bytes)");
        }
        int temporaries = 0;
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (name.matches("\\..+\\.javisor-tmp-\\p{XDigit}{8}")) {
                temporaries++;
                delete(p);
            } else if (name.matches("m?tree-\\d+")) {
                if (!sameTree(sources.resolve("tree"), p)) {
                    problems.add(name + " is not a whole copy of the tree");
                }
                delete(p);
            } else if (!FIXED.contains(name)) {
                problems.add("an entry no edit makes: " + name);
            }
        }
        for (Path p : list(elsewhere)) {
            delete(p); // what a killed mv had not moved yet, or had not deleted yet
        }
        return new Check(problems, temporaries);
    }

    public record Check(List<String> problems, int temporaries) {
    }

    private static String notesText(int k) {
        // as echo writes it: the words joined by one space, then a newline
        return ("notes round " + k + " " + "x".repeat(k * 37 % 300)).strip() + "\n";
    }

    private byte[] read(String source) throws IOException {
        return Files.readAllBytes(sources.resolve(source));
    }

    private static boolean sameTree(Path a, Path b) throws IOException {
        try (Stream<Path> files = Files.walk(a)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path other = b.resolve(a.relativize(f).toString());
                if (!Files.isRegularFile(other) || !Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(other))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static void delete(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(q);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >>> 9));
        }
        return b;
    }
}
