package javisor.vmm.embed;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** The library's console buffer without a guest: what it keeps, how readers follow and when they end. */
@Timeout(30)
class ConsoleBufferTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void keepsTheLastKeptBytesAndAReaderBehindSkipsToTheOldest() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer();
        InputStream early = b.reader(() -> false);
        byte[] big = new byte[ConsoleBuffer.KEPT + 10];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        b.write(big, 0, big.length);
        String kept = b.text();
        assertThat(kept).hasSize(ConsoleBuffer.KEPT);
        assertThat(kept).isEqualTo(new String(big, 10, ConsoleBuffer.KEPT, StandardCharsets.US_ASCII));
        byte[] first = new byte[3];
        assertThat(early.read(first, 0, 3)).isEqualTo(3);
        assertThat(first).as("the reader lost the 10 bytes the buffer no longer has").containsExactly(
                Arrays.copyOfRange(big, 10, 13));
    }

    @Test
    void aReaderWaitsForMoreAndEndsWhenTheBufferCloses() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer();
        b.write(ascii("one\n"), 0, 4);
        InputStream in = b.reader(() -> false);
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
                b.write(ascii("two\n"), 0, 4);
                Thread.sleep(100);
                b.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("one\ntwo\n");
        writer.join();
        assertThat(b.reader(() -> false).readAllBytes()).as("a new reader starts at the oldest byte kept")
                .hasSize(8);
    }

    @Test
    void aReaderEndsOnceTheVmHasStoppedAndItHasReadEverything() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer();
        AtomicBoolean stopped = new AtomicBoolean();
        InputStream in = b.reader(stopped::get);
        b.write(ascii("last words"), 0, 10);
        stopped.set(true);
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("last words");
    }

    @Test
    void awaitSeesTextWrittenLaterAndGivesUpWhenTheVmStops() throws Exception {
        ConsoleBuffer b = new ConsoleBuffer();
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
                b.write(ascii("ready>"), 0, 6);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(b.await("ready>", 10_000_000_000L, () -> false)).isTrue();
        long t0 = System.nanoTime();
        assertThat(b.await("never", 10_000_000_000L, () -> true)).isFalse();
        assertThat(System.nanoTime() - t0).as("no waiting for a VM that has stopped").isLessThan(1_000_000_000L);
        assertThat(b.await("never", 30_000_000L, () -> false)).as("timeout").isFalse();
    }
}
