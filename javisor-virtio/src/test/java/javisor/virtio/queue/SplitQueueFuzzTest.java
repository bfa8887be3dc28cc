package javisor.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.SplittableRandom;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static javisor.virtio.queue.GuardedRam.REGIONS;
import static javisor.virtio.queue.GuardedRam.inRam;
import static javisor.virtio.queue.GuardedRam.within;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The split virtqueue against a driver that writes anything (virtio 1.2, 2.7): random queue sizes and ring
 * addresses, descriptor tables, indirect tables, available rings and indexes, flags and lengths, many of them at or
 * past the edges of guest RAM or wrapping past 2^64, over seeded iterations ({@link Fuzzing}: a failure names the
 * seed that replays it). For each step the test knows what the queue may do and checks it:
 * <ul>
 *   <li>{@link SplitQueue#check} accepts exactly the layouts that are well formed and wholly in RAM;</li>
 *   <li>{@link SplitQueue#pop} takes one available entry or none, throws nothing but {@link QueueException}, gives
 *       chains whose every buffer is RAM (readable ones first, the first one the head descriptor), of bounded
 *       length, and writes nothing (avail_event is {@link SplitQueue#armNotification}'s);</li>
 *   <li>a chain's reads write nothing, its writes land only in its writable buffers, its views are slices of RAM;</li>
 *   <li>{@link SplitQueue#addUsed} writes only the used entry and the used index; needsInterrupt writes nothing
 *       and answers as 2.7.10 says;</li>
 *   <li>the guard bytes around RAM never change, and no iteration runs away (Fuzzing's watchdog).</li>
 * </ul>
 */
class SplitQueueFuzzTest {
    private static final int ITERATIONS = 2000;
    private static final int F_NEXT = Descriptor.F_NEXT;
    private static final int F_WRITE = Descriptor.F_WRITE;
    private static final int F_INDIRECT = Descriptor.F_INDIRECT;

    @Test
    void theFuzzRamIsLaidOutAsItsDocSays() {
        GuardedRam.checkLayout();
    }

    @Test
    void noDriverInputTakesTheQueueOutsideGuestRamOrIntoALoop() throws Exception {
        Map<String, Integer> seen = new TreeMap<>();
        Fuzzing.run("split queue", ITERATIONS, Duration.ofSeconds(10), r -> {
            try (GuardedRam ram = new GuardedRam()) {
                new Driver(ram, r, seen).run();
            }
        });
        System.out.println("split queue fuzz, what the queue said how often: " + seen);
        if (Integer.getInteger(Fuzzing.ITERATIONS, ITERATIONS) >= ITERATIONS) {
            // The inputs reach every common refusal and real chains (each happens dozens of times or more in a
            // run; a rarer one is not asked for, lest the test fail by chance).
            assertThat(String.join("\n", seen.keySet())).contains("chain of 2", "chain of 4+", "which is not guest RAM",
                    "longer than the queue (a loop)", "not below the queue size", "readable after a device-writable",
                    "VIRTIO_F_INDIRECT_DESC was not negotiated", "indirect and has NEXT set",
                    "an indirect table holds an indirect descriptor", "indirect table length", "entries ahead");
        }
    }

    /** One iteration: a queue set up at random, then rounds of scribbling on its rings and taking requests. */
    private static final class Driver {
        private final GuardedRam ram;
        private final GuestMemory mem;
        private final SplittableRandom r;
        private final Map<String, Integer> seen;
        private SplitQueue q;
        private int size;
        private long desc;
        private long avail;
        private long used;
        private boolean eventIdx;
        private int nextUsed;

        Driver(GuardedRam ram, SplittableRandom r, Map<String, Integer> seen) {
            this.seen = seen;
            this.ram = ram;
            this.mem = ram.memory;
            this.r = r;
        }

        void run() throws QueueException {
            int max = 1 << r.nextInt(9);
            size = switch (r.nextInt(10)) {
                case 0 -> r.nextInt();
                case 1 -> 0;
                case 2 -> max * 2;
                case 3 -> max + 1;
                default -> 1 << r.nextInt(Integer.numberOfTrailingZeros(max) + 1);
            };
            int fit = Math.clamp(size, 1, max);
            desc = place(16, 16L * fit);
            avail = place(2, 6 + 2L * fit);
            used = place(4, 6 + 8L * fit);
            eventIdx = r.nextBoolean();
            q = new SplitQueue(0, max);
            q.setSize(size);
            q.setDescriptorTable(desc);
            q.setAvailableRing(avail);
            q.setUsedRing(used);
            q.setFeatures(eventIdx, r.nextBoolean());
            q.setReady(true);
            ram.randomize(r);

            boolean wellFormed = size >= 1 && size <= max && Integer.bitCount(size) == 1
                    && (desc & 15) == 0 && (avail & 1) == 0 && (used & 3) == 0
                    && inRam(desc, 16L * size) && inRam(avail, 6 + 2L * size) && inRam(used, 6 + 8L * size);
            try {
                q.check(mem);
            } catch (QueueException e) {
                assertThat(wellFormed).as("check refused a good layout: %s", e.getMessage()).isFalse();
                return; // the transport would not start the device
            }
            assertThat(wellFormed).as("check accepted size %d, rings at 0x%x 0x%x 0x%x", size, desc, avail, used)
                    .isTrue();
            for (int round = r.nextInt(1, 5); round > 0; round--) {
                scribble();
                for (int pops = 0; pops < 4 * size + 8 && popOnce(); pops++) {
                    // popOnce checks each step; a round ends when the queue has nothing more to give
                }
            }
        }

        /** A place for {@code bytes} aligned to {@code alignment}: mostly inside a region, else anywhere. */
        private long place(int alignment, long bytes) {
            GuardedRam.Region g = REGIONS.get(r.nextInt(REGIONS.size()));
            if (r.nextInt(5) == 0 || bytes > g.size()) {
                long a = GuardedRam.address(r);
                return r.nextInt(4) == 0 ? a : a & -alignment;
            }
            return g.start() + (r.nextLong(g.size() - bytes + 1) & -alignment);
        }

        /** A buffer: mostly one that fits in a region, else an address and a length at the edges. */
        private long[] buffer() {
            if (r.nextInt(3) == 0) {
                return new long[] {GuardedRam.address(r), GuardedRam.length(r)};
            }
            GuardedRam.Region g = REGIONS.get(r.nextInt(REGIONS.size()));
            long length = r.nextLong(1, Math.min(g.size(), 2048) + 1);
            return new long[] {g.start() + r.nextLong(g.size() - length + 1), length};
        }

        private int flags() {
            int[] usual = {0, F_NEXT, F_WRITE, F_NEXT | F_WRITE, F_INDIRECT, F_INDIRECT | F_NEXT, F_INDIRECT | F_WRITE};
            return r.nextInt(8) == 0 ? r.nextInt(0x10000) : usual[r.nextInt(usual.length)];
        }

        private void descriptor(long table, int i, long address, long length, int flags, int next) {
            long at = table + 16L * i;
            mem.writeU64(GuestAddress.of(at), address);
            mem.writeU32(GuestAddress.of(at + 8), (int) length);
            mem.writeU16(GuestAddress.of(at + 12), flags);
            mem.writeU16(GuestAddress.of(at + 14), next);
        }

        /** A random descriptor {@code i} of a table of {@code count}; an indirect one mostly gets a table to follow. */
        private void randomDescriptor(long table, int i, int count, boolean nested) {
            int flags = flags();
            int next = switch (r.nextInt(6)) {
                case 0 -> r.nextInt(0x10000);
                case 1 -> i;
                case 2, 3 -> r.nextInt(count);
                default -> (i + 1) % count;
            };
            long[] b = buffer();
            if ((flags & F_INDIRECT) != 0 && !nested && r.nextInt(4) > 0) {
                int k = r.nextInt(1, 9);
                long t = place(16, 16L * k);
                if (inRam(t, 16L * k)) {
                    for (int j = 0; j < k; j++) {
                        randomDescriptor(t, j, k, true);
                    }
                }
                b = new long[] {t, r.nextInt(5) == 0 ? GuardedRam.length(r) : 16L * k};
            }
            descriptor(table, i, b[0], b[1], flags, next);
        }

        /** What a driver might have written since the last round: descriptors, ring entries, the index, flags. */
        private void scribble() {
            int start = r.nextInt(size);
            int chain = r.nextInt(1, Math.min(size, 6) + 1);
            for (int k = 0; k < chain; k++) { // one well-formed chain, so that deep paths run too
                long[] b = buffer();
                boolean last = k == chain - 1;
                descriptor(desc, (start + k) % size, b[0], b[1], (k > chain / 2 ? F_WRITE : 0) | (last ? 0 : F_NEXT),
                        (start + k + 1) % size);
            }
            for (int k = r.nextInt(size + 2); k > 0; k--) {
                randomDescriptor(desc, r.nextInt(size), size, false);
            }
            int next = q.nextAvailable();
            for (int j = r.nextInt(size + 1); j >= 0; j--) {
                int head = r.nextInt(8) == 0 ? r.nextInt(0x10000) : r.nextBoolean() ? start : r.nextInt(size);
                mem.writeU16(GuestAddress.of(avail + 4 + 2L * ((next + j) % size)), head);
            }
            int ahead = r.nextInt(10) == 0 ? r.nextInt(0x10000) : r.nextInt(size + 1);
            mem.writeU16(GuestAddress.of(avail + 2), (next + ahead) & 0xffff);
            mem.writeU16(GuestAddress.of(avail), r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(2));
            mem.writeU16(GuestAddress.of(avail + 4 + 2L * size), r.nextInt(0x10000));
        }

        private boolean availEvent(long gpa) {
            return eventIdx && within(gpa, used + 4 + 8L * size, 2);
        }

        /** One pop, checked against what the ring says; false when the round is over. */
        private boolean popOnce() {
            int idx = mem.readU16(GuestAddress.of(avail + 2));
            int before = q.nextAvailable();
            int pending = (idx - before) & 0xffff;
            int head = pending == 0 || pending > size ? -1 : mem.readU16(GuestAddress.of(avail + 4 + 2L * (before % size)));
            ram.remember();
            boolean wasBroken = q.broken();
            Optional<DescriptorChain> got;
            try {
                got = q.pop(mem);
            } catch (QueueException e) {
                assertThat(wasBroken).as("a broken ring threw: %s", e.getMessage()).isFalse();
                seen.merge(e.getMessage().replaceAll("0x[0-9a-f]+|[0-9]+", "N"), 1, Integer::sum);
                ram.assertChangesOnly("a failed pop", gpa -> false);
                ram.assertGuardsIntact();
                if (pending > size) {
                    assertThat(e.head()).as("a ring %d entries ahead: %s", pending, e.getMessage()).isEqualTo(-1);
                    assertThat(e.ringBroken()).as("a ring %d entries ahead is broken", pending).isTrue();
                    assertThat(q.nextAvailable()).as("nothing taken from a broken ring").isEqualTo(before);
                    return false;
                }
                assertThat(pending).as("an error with nothing pending: %s", e.getMessage()).isPositive();
                assertThat(e.ringBroken()).as("only this entry is bad: %s", e.getMessage()).isFalse();
                assertThat(q.nextAvailable()).as("the bad entry is taken").isEqualTo((before + 1) & 0xffff);
                if (head >= size) {
                    assertThat(e.head()).as("head %d of a queue of %d", head, size).isEqualTo(-1);
                    return false;
                }
                assertThat(e.head()).as("the bad request's head, to give back: %s", e.getMessage()).isEqualTo(head);
                complete(head, 0);
                return true;
            }
            ram.assertChangesOnly("pop", gpa -> false);
            ram.assertGuardsIntact();
            if (wasBroken) {
                assertThat(got).as("a broken ring gives nothing until a reset").isEmpty();
                assertThat(q.nextAvailable()).isEqualTo(before);
                return false;
            }
            if (pending == 0) {
                assertThat(got).as("nothing was made available").isEmpty();
                assertThat(q.nextAvailable()).isEqualTo(before);
                ram.remember();
                boolean more = q.armNotification(mem);
                ram.assertChangesOnly("armNotification", this::availEvent);
                assertThat(more).as("nothing came meanwhile").isFalse();
                if (eventIdx) {
                    assertThat(mem.readU16(GuestAddress.of(used + 4 + 8L * size))).as("avail_event")
                            .isEqualTo(before);
                }
                return false;
            }
            assertThat(pending).as("a ring %d entries ahead of a queue of %d must be refused", pending, size)
                    .isLessThanOrEqualTo(size);
            assertThat(head).as("head %d of a queue of %d must be refused", head, size).isLessThan(size);
            assertThat(got).as("%d entries pending", pending).isPresent();
            assertThat(q.nextAvailable()).isEqualTo((before + 1) & 0xffff);
            DescriptorChain c = got.get();
            seen.merge("chain of " + Math.min(c.buffers().size(), 4) + (c.buffers().size() >= 4 ? "+" : ""), 1, Integer::sum);
            assertThat(c.head()).isEqualTo(head);
            checkChain(c);
            useChain(c);
            complete(head, r.nextLong(0, 1L << 40));
            return true;
        }

        private void checkChain(DescriptorChain c) {
            List<Descriptor> buffers = c.buffers();
            assertThat(buffers.size()).as("chain length").isBetween(1, size + SplitQueue.MAX_SIZE);
            boolean writableSeen = false;
            long readable = 0;
            long writable = 0;
            for (Descriptor d : buffers) {
                assertThat(inRam(d.address(), d.size())).as("buffer at 0x%x, %d bytes, is RAM", d.address(), d.size())
                        .isTrue();
                assertThat(!d.writable() && writableSeen).as("a readable buffer after a writable one").isFalse();
                writableSeen |= d.writable();
                if (d.writable()) {
                    writable += d.size();
                } else {
                    readable += d.size();
                }
            }
            assertThat(c.readableLength()).isEqualTo(readable);
            assertThat(c.writableLength()).isEqualTo(writable);
            long at = desc + 16L * c.head();
            int flags = mem.readU16(GuestAddress.of(at + 12));
            if ((flags & F_INDIRECT) == 0) {
                assertThat(buffers.getFirst()).as("the first buffer is the head descriptor's").isEqualTo(new Descriptor(
                        mem.readU64(GuestAddress.of(at)), mem.readU32(GuestAddress.of(at + 8)), (flags & F_WRITE) != 0));
            }
        }

        /** Reads, writes and views of the chain at random offsets, each checked for where it reaches. */
        private void useChain(DescriptorChain c) {
            long readable = c.readableLength();
            long writable = c.writableLength();

            long offset = r.nextLong(readable + 17);
            MemorySegment into = MemorySegment.ofArray(new byte[r.nextInt(600)]);
            ram.remember();
            assertThat(c.read(mem, offset, into)).isEqualTo(Math.clamp(readable - offset, 0, into.byteSize()));
            ram.assertChangesOnly("a read from a chain", gpa -> false);

            offset = r.nextLong(writable + 17);
            byte[] data = new byte[r.nextInt(600)];
            r.nextBytes(data);
            ram.remember();
            assertThat(c.write(mem, offset, MemorySegment.ofArray(data)))
                    .isEqualTo(Math.clamp(writable - offset, 0, data.length));
            ram.assertChangesOnly("a write to a chain", gpa -> c.buffers().stream()
                    .anyMatch(d -> d.writable() && within(gpa, d.address(), d.size())));
            ram.assertGuardsIntact();

            boolean w = r.nextBoolean();
            long part = w ? writable : readable;
            offset = r.nextLong(part + 17);
            long length = r.nextLong(part + 17);
            long total = 0;
            for (MemorySegment v : c.views(mem, w, offset, length)) {
                assertThat(ram.isRamView(v)).as("a view of %d bytes at host 0x%x is inside a region", v.byteSize(),
                        v.address()).isTrue();
                total += v.byteSize();
            }
            assertThat(total).isEqualTo(Math.clamp(part - offset, 0, length));
        }

        /** Gives {@code head} back as a device does, then asks whether to interrupt. */
        private void complete(int head, long written) {
            long entry = used + 4 + 8L * (nextUsed % size);
            ram.remember();
            int old = q.addUsed(mem, head, written);
            ram.assertChangesOnly("addUsed", gpa -> within(gpa, used + 2, 2) || within(gpa, entry, 8));
            assertThat(old).isEqualTo(nextUsed);
            nextUsed = (nextUsed + 1) & 0xffff;
            assertThat(mem.readU16(GuestAddress.of(used + 2))).isEqualTo(nextUsed);
            assertThat(mem.readU32(GuestAddress.of(entry))).isEqualTo(head);
            assertThat(Integer.toUnsignedLong(mem.readU32(GuestAddress.of(entry + 4))))
                    .isEqualTo(Math.min(written, 0xffff_ffffL));

            ram.remember();
            boolean wanted = q.needsInterrupt(mem, old);
            ram.assertChangesOnly("needsInterrupt", gpa -> false);
            boolean expected = eventIdx
                    ? needEvent(mem.readU16(GuestAddress.of(avail + 4 + 2L * size)), nextUsed, old)
                    : (mem.readU16(GuestAddress.of(avail)) & 1) == 0;
            assertThat(wanted).as("needsInterrupt").isEqualTo(expected);
        }
    }

    /** vring_need_event (virtio 1.2, 2.7.10): whether moving the used index from old to next passes event. */
    static boolean needEvent(int event, int next, int old) {
        return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
    }
}
