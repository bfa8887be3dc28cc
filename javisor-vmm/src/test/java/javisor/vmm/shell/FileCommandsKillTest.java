package javisor.vmm.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javisor.vmm.ChildJvm;
import javisor.vmm.ConfigDirEdits;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shell's file commands killed with SIGKILL at seeded random moments while they edit a config folder (echo
 * over a file, cp of 8 MiB files, cp -r of a tree, mv across file systems, rm -r, touch), on the host without KVM
 * ({@link FileShellMain}): every file keeps its old or a new content and every tree is whole or absent. The KVM
 * part, with a VM writing its disk meanwhile, is KillNineIT. {@code -Djavisor.kill.seed=S} replays a run.
 */
@Timeout(300)
class FileCommandsKillTest {
    private static final int KILLS = 20;
    private static final int ROUNDS = 40;
    private static final long WINDOW_MS = 1500;

    @TempDir
    Path tmp;

    @Test
    void aKilledShellLeavesEveryConfigFileOldOrNew() throws Exception {
        long seed = Long.getLong("javisor.kill.seed", System.nanoTime());
        System.out.println("FileCommandsKillTest: seed " + seed + " (replay with -Djavisor.kill.seed=" + seed + ")");
        Random random = new Random(seed);
        Path elsewhere = elsewhere();
        try {
            ConfigDirEdits folder = ConfigDirEdits.create(tmp, elsewhere, "[base]\nname = \"unused\"\n");
            String cwd = tmp.toRealPath().toString();
            int round = 0;
            int temporaries = 0;
            long stepsDone = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                Path out = tmp.resolve("out-" + kill);
                Path err = tmp.resolve("err-" + kill);
                Process shell = new ProcessBuilder(ChildJvm.command(FileShellMain.class.getName()))
                        .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                List<String> lines = new ArrayList<>(List.of("pwd")); // the first answer, before any edit
                for (int r = 0; r < ROUNDS; r++) {
                    lines.addAll(folder.round(++round, kill));
                }
                shell.getOutputStream().write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
                shell.getOutputStream().flush();
                long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Files.readAllLines(out).stream().noneMatch(cwd::equals)) {
                    if (!shell.isAlive() || System.nanoTime() > limit) {
                        shell.destroyForcibly();
                        fail("the shell gave no first answer; stderr:\n" + Files.readString(err));
                    }
                    Thread.sleep(5);
                }
                Thread.sleep((long) (random.nextDouble() * WINDOW_MS));
                if (!shell.isAlive()) {
                    fail("the shell ended before its kill; stderr:\n" + Files.readString(err));
                }
                shell.destroyForcibly().waitFor();
                stepsDone += Files.readAllLines(out).stream().filter(cwd::equals).count() - 1;
                assertThat(Files.readString(err)).as("the shell's errors before kill " + kill).isEmpty();
                ConfigDirEdits.Check check = folder.check();
                assertThat(check.problems()).as("after kill %d (seed %d)", kill, seed).isEmpty();
                temporaries += check.temporaries();
            }
            System.out.printf("FileCommandsKillTest: %d kills, %d of %d edit steps done, %d temporary names "
                    + "left beside their targets, nothing else%n", KILLS, stepsDone, (long) round * ConfigDirEdits.STEPS, temporaries);
        } finally {
            FileTrees.delete(elsewhere);
        }
    }

    /** A folder on another file system, if there is one, so that mv copies; else one beside the config folder. */
    private Path elsewhere() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp))) {
            return Files.createTempDirectory(shm, "javisor-kill-");
        }
        return Files.createDirectories(tmp.resolve("elsewhere"));
    }
}
