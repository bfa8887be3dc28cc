package javisor.vmm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** A console log never passes its limit on disk: twice the limit at most, the latest output always kept. */
class RotatingLogFileTest {
    @Test
    void aFloodKeepsTwoFilesOfAtMostTheLimitWithTheLatestOutput(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("vm-1-t.log");
        StringBuilder all = new StringBuilder();
        try (RotatingLogFile out = new RotatingLogFile(log, 4096)) {
            for (int i = 0; i < 2000; i++) {
                String line = "line " + i + "\n";
                all.append(line);
                if (i % 2 == 0) {
                    out.write(line.getBytes(StandardCharsets.US_ASCII));
                } else {
                    for (byte b : line.getBytes(StandardCharsets.US_ASCII)) {
                        out.write(b);
                    }
                }
            }
        }
        Path older = RotatingLogFile.rotated(log);
        assertThat(older).hasFileName("vm-1-t.log.1");
        assertThat(Files.size(older)).isEqualTo(4096);
        assertThat(Files.size(log)).isLessThanOrEqualTo(4096).isPositive();
        String kept = Files.readString(older) + Files.readString(log);
        assertThat(all.toString()).endsWith(kept);
        assertThat(kept).endsWith("line 1999\n");
        assertThat(Files.list(dir).count()).as("no third file").isEqualTo(2);
    }

    @Test
    void aNewLogStartsWithoutAnEarlierVmsRotatedFile(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("vm.log");
        Files.writeString(RotatingLogFile.rotated(log), "old");
        Files.writeString(log, "old too");
        try (RotatingLogFile out = new RotatingLogFile(log, 4096)) {
            out.write('x');
        }
        assertThat(RotatingLogFile.rotated(log)).doesNotExist();
        assertThat(log).hasContent("x");
    }
}
