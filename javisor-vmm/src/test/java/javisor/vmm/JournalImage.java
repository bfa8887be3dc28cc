package javisor.vmm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The disk of {@code blk_journal.elf} (guests/src/blk_journal.c) seen from the host: a ring of 4 KiB slots, each
 * zero or one intact record (magic, seq, slot, then seq * 0x9e3779b1 + i), and what the guest's {@code flushed N}
 * lines promise: every record up to N on the disk, in each slot the latest of them or a later one. It keeps the
 * highest promise per slot over every run on the image, since the guest carries on after the highest record.
 */
final class JournalImage {
    static final int SLOT = 4096;
    private static final int MAGIC = 0x4c4e524a;
    private static final Pattern FLUSHED = Pattern.compile("(?m)^flushed (\\d+)$");

    private final Path image;
    private final long size;
    private final long[] promised;
    private long highestFlushed;

    JournalImage(Path image, long size) {
        this.image = image;
        this.size = size;
        this.promised = new long[(int) (size / SLOT)];
    }

    /** Creates the image: {@code size} bytes of zeros, every slot never written. */
    static JournalImage create(Path image, long size) throws IOException {
        Files.write(image, new byte[(int) size]);
        return new JournalImage(image, size);
    }

    long highestFlushed() {
        return highestFlushed;
    }

    /** Takes the promises of a run's console output: its highest {@code flushed N}. */
    void flushedIn(String console) {
        Matcher m = FLUSHED.matcher(console);
        long highest = 0;
        while (m.find()) {
            highest = Math.max(highest, Long.parseLong(m.group(1)));
        }
        int slots = promised.length;
        // the last `slots` records up to `highest`, each the newest promise for its slot
        for (long seq = Math.max(1, highest - slots + 1); seq <= highest; seq++) {
            int slot = (int) (seq % slots);
            promised[slot] = Math.max(promised[slot], seq);
        }
        highestFlushed = Math.max(highestFlushed, highest);
    }

    /** What is wrong with the image now, one line per problem; empty when it keeps every promise. */
    List<String> problems() throws IOException {
        List<String> problems = new ArrayList<>();
        long actual = Files.size(image);
        if (actual != size) {
            problems.add(image + " is " + actual + " bytes, was " + size);
        }
        ByteBuffer disk = ByteBuffer.wrap(Files.readAllBytes(image)).order(ByteOrder.LITTLE_ENDIAN);
        int slots = promised.length;
        for (int slot = 0; slot < slots && (slot + 1) * (long) SLOT <= actual; slot++) {
            long seq = recordIn(disk, slot, slots, problems);
            if (seq >= 0 && seq < promised[slot]) {
                problems.add("slot " + slot + " holds " + (seq == 0 ? "nothing" : "record " + seq)
                        + " but record " + promised[slot] + " was flushed there");
            }
        }
        return problems;
    }

    /** The seq of the slot's record, 0 for a zero slot, -1 (and a problem) for anything else. */
    private static long recordIn(ByteBuffer disk, int slot, int slots, List<String> problems) {
        int base = slot * SLOT;
        boolean zero = true;
        for (int i = 0; i < SLOT && zero; i += 8) {
            zero = disk.getLong(base + i) == 0;
        }
        if (zero) {
            return 0;
        }
        long seq = Integer.toUnsignedLong(disk.getInt(base + 4));
        if (disk.getInt(base) != MAGIC || disk.getInt(base + 8) != slot || seq == 0 || seq % slots != slot) {
            problems.add("slot " + slot + " has a bad record header: magic 0x" + Integer.toHexString(
                    disk.getInt(base)) + ", seq " + seq + ", slot " + disk.getInt(base + 8));
            return -1;
        }
        for (int i = 3; i < SLOT / 4; i++) {
            int expected = (int) seq * 0x9e3779b1 + i;
            if (disk.getInt(base + i * 4) != expected) {
                problems.add("slot " + slot + " (record " + seq + ") is torn at byte " + i * 4);
                return -1;
            }
        }
        return seq;
    }
}
