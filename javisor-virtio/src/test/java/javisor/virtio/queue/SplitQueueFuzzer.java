package javisor.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static javisor.virtio.queue.GuardedRam.inRam;
import static javisor.virtio.queue.FuzzedChain.within;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: the split virtqueue (virtio 1.2, 2.7) over guest memory the fuzzer writes, in {@link GuardedRam}
 * (guard pages around its regions, a region after a hole and one at the top of the address space). Whatever the
 * rings hold, {@link SplitQueue#check} refuses a bad layout with a {@link QueueException}, and on a layout it takes,
 * {@link SplitQueue#pop} gives chains or QueueExceptions and nothing else: every buffer of a chain lies in RAM,
 * readable ones first, the chain no longer than the queue plus one indirect table; a chain's copies and views stay
 * in its buffers; {@link SplitQueue#addUsed} writes only its used entry and the used index; nothing touches a guard.
 *
 * <p>Input ({@link FuzzInput}): u8 features (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC), u16 queue size (the device's
 * maximum is {@link #MAX}), u64 descriptor table, u64 available ring and u64 used ring addresses, u8 how many
 * chains to take, u16 offset and u16 length of the copies into and out of each chain, then the bytes of guest RAM
 * from address 0 (the rest of RAM is zeros).
 */
class SplitQueueFuzzer {
    static final int MAX = 256;
    /** One guarded RAM for all inputs: mapping it anew for each would cost more than the queue work. */
    private static final GuardedRam RAM = new GuardedRam();

    @FuzzTest
    void popAndComplete(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        GuestMemory mem = RAM.memory;
        int features = in.u8();
        SplitQueue q = new SplitQueue(0, MAX);
        q.setSize(in.u16());
        long desc = in.u64();
        long avail = in.u64();
        long used = in.u64();
        q.setDescriptorTable(desc);
        q.setAvailableRing(avail);
        q.setUsedRing(used);
        q.setFeatures((features & 1) != 0, (features & 2) != 0);
        int takes = Math.min(in.u8(), 2 * MAX);
        int offset = in.u16();
        int length = in.u16();
        FuzzedChain.load(RAM, in.bytes(Integer.MAX_VALUE));
        try {
            q.check(mem);
        } catch (QueueException e) {
            assertThat(e.head()).isEqualTo(-1);
            return;
        }
        int size = q.size();
        assertThat(Integer.bitCount(size)).as("a checked size is a power of two").isEqualTo(1);
        assertThat(inRam(desc, 16L * size) && inRam(avail, 6 + 2L * size) && inRam(used, 6 + 8L * size))
                .as("a checked layout lies in RAM").isTrue();
        q.setReady(true);
        for (int n = 0; n < takes; n++) {
            int before = q.nextAvailable();
            boolean wasBroken = q.broken();
            RAM.remember();
            Optional<DescriptorChain> got;
            try {
                got = q.pop(mem);
            } catch (QueueException e) {
                RAM.assertChangesOnly("a failed pop", gpa -> false);
                assertThat(wasBroken).as("a broken ring threw again").isFalse();
                if (e.ringBroken()) {
                    assertThat(q.broken()).isTrue();
                    assertThat(q.nextAvailable()).as("nothing taken from a broken ring").isEqualTo(before);
                    break;
                }
                assertThat(q.nextAvailable()).as("the bad entry is taken").isEqualTo((before + 1) & 0xffff);
                assertThat(e.head()).isBetween(-1, size - 1);
                if (e.head() >= 0) {
                    complete(q, used, size, e.head(), 0);
                }
                continue;
            }
            RAM.assertChangesOnly("pop", gpa -> false);
            if (got.isEmpty()) {
                RAM.remember();
                q.armNotification(mem);
                RAM.assertChangesOnly("armNotification",
                        gpa -> (features & 1) != 0 && !wasBroken && within(gpa, used + 4 + 8L * size, 2));
                break;
            }
            DescriptorChain c = got.get();
            assertThat(c.head()).isBetween(0, size - 1);
            checkChain(c, size);
            useChain(mem, c, offset, length);
            complete(q, used, size, c.head(), offset + (long) length);
        }
        RAM.assertGuardsIntact();
    }

    private static void checkChain(DescriptorChain c, int size) {
        List<Descriptor> buffers = c.buffers();
        // At most size - 1 direct descriptors before one indirect table of at most MAX_SIZE.
        assertThat(buffers).as("chain length").isNotEmpty().hasSizeLessThanOrEqualTo(size - 1 + SplitQueue.MAX_SIZE);
        boolean writableSeen = false;
        for (Descriptor d : buffers) {
            assertThat(inRam(d.address(), d.size())).as("buffer at 0x%x, %d bytes, is RAM", d.address(), d.size())
                    .isTrue();
            assertThat(!d.writable() && writableSeen).as("a readable buffer after a writable one").isFalse();
            writableSeen |= d.writable();
        }
        assertThat(c.readableLength() + c.writableLength()).isLessThanOrEqualTo(0xffff_ffffL * buffers.size());
    }

    /** A copy out of the chain, one into it and views of it: each stays inside the chain's buffers. */
    private static void useChain(GuestMemory mem, DescriptorChain c, int offset, int length) {
        long readable = c.readableLength();
        long writable = c.writableLength();
        MemorySegment into = MemorySegment.ofArray(new byte[length]);
        RAM.remember();
        assertThat(c.read(mem, offset, into)).isEqualTo(Math.clamp(readable - offset, 0, length));
        RAM.assertChangesOnly("a read from a chain", gpa -> false);

        byte[] pattern = new byte[length];
        Arrays.fill(pattern, (byte) 0x5a);
        assertThat(c.write(mem, offset, MemorySegment.ofArray(pattern))).isEqualTo(Math.clamp(writable - offset, 0,
                length));
        RAM.assertChangesOnly("a write to a chain", gpa -> FuzzedChain.inWritableBuffer(c, gpa));

        for (boolean w : new boolean[] {false, true}) {
            long total = 0;
            for (MemorySegment v : c.views(mem, w, offset, length)) {
                assertThat(RAM.isRamView(v)).as("a view at host 0x%x is inside a region", v.address()).isTrue();
                total += v.byteSize();
            }
            assertThat(total).isEqualTo(Math.clamp((w ? writable : readable) - offset, 0, length));
        }
    }

    /** Gives {@code head} back: only its used entry and the used index change. */
    private static void complete(SplitQueue q, long used, int size, int head, long written) {
        GuestMemory mem = RAM.memory;
        long entry = used + 4 + 8L * (q.nextUsed() % size);
        RAM.remember();
        int old = q.addUsed(mem, head, written);
        RAM.assertChangesOnly("addUsed", gpa -> within(gpa, used + 2, 2) || within(gpa, entry, 8));
        assertThat(mem.readU32(GuestAddress.of(entry))).isEqualTo(head);
        RAM.remember();
        q.needsInterrupt(mem, old);
        RAM.assertChangesOnly("needsInterrupt", gpa -> false);
    }
}
