package javisor.virtio;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.FuzzInput;
import javisor.virtio.queue.FuzzedChain;
import javisor.virtio.queue.GuardedRam;
import javisor.virtio.queue.QueueException;
import javisor.virtio.queue.SplitQueue;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: a device's serving loop ({@link QueueService}, which every device's I/O thread runs) over rings
 * the fuzzer writes, with a device that answers each request by writing into it, as virtio-rng does. Whatever the
 * rings hold, and even where the device's own writes land on them (a guest may lay its rings over its buffers),
 * the loop throws nothing and ends; a malformed request is given back and counted, and a ring that breaks asks
 * for one reset (DEVICE_NEEDS_RESET, virtio 1.2, 2.1.2) and serves no more; a batch sends at most one interrupt.
 *
 * <p>Input: laid out as {@code SplitQueueFuzzer}'s (so that the two share seeds): u8 features (bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC), u16 queue size, u64 descriptor table, u64 available ring, u64 used ring, a u8 this target does
 * not use, u16 offset and u16 length of the device's answer in each request, then guest RAM from address 0.
 */
class QueueServiceFuzzer {
    private static final GuardedRam RAM = new GuardedRam();
    /** More requests than a ring can make available between two wraps of its 16-bit index: the loop did not end. */
    private static final int MOST_SERVED = 0x10000 + SplitQueue.MAX_SIZE;
    private static System.Logger.Level logLevel;

    @BeforeAll
    static void quiet() {
        logLevel = Logs.level();
        Logs.setLevel(System.Logger.Level.ERROR); // each input's first malformed request is a warning
    }

    @AfterAll
    static void restoreLogs() {
        Logs.setLevel(logLevel);
    }

    @FuzzTest
    void serveUntilEmpty(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        GuestMemory mem = RAM.memory;
        int features = in.u8();
        SplitQueue q = new SplitQueue(0, 256);
        q.setSize(in.u16());
        q.setDescriptorTable(in.u64());
        q.setAvailableRing(in.u64());
        q.setUsedRing(in.u64());
        q.setFeatures((features & 1) != 0, (features & 2) != 0);
        in.u8();
        int offset = in.u16();
        byte[] answer = new byte[in.u16()];
        Arrays.fill(answer, (byte) 0x5a);
        FuzzedChain.load(RAM, in.bytes(Integer.MAX_VALUE));
        try {
            q.check(mem);
        } catch (QueueException e) {
            return; // the transport does not start a device on such a queue
        }
        q.setReady(true);
        CountingInterrupt irq = new CountingInterrupt();
        long negotiated = ((features & 1) != 0 ? VirtioFeatures.EVENT_IDX : 0)
                | ((features & 2) != 0 ? VirtioFeatures.INDIRECT_DESC : 0);
        int[] malformed = {0};
        QueueService service = new QueueService("fuzz", new Activation(mem, List.of(q), List.of(), negotiated, irq),
                0, () -> malformed[0]++);
        int served = 0;
        for (var next = service.next(); next.isPresent(); next = service.next()) {
            assertThat(++served).as("requests served in one batch").isLessThanOrEqualTo(MOST_SERVED);
            DescriptorChain c = next.get();
            long written = c.write(mem, offset, MemorySegment.ofArray(answer));
            service.put(c.head(), written);
        }
        service.endBatch();
        RAM.assertGuardsIntact();
        assertThat(service.broken()).isEqualTo(q.broken());
        assertThat(irq.resets.get()).as("reset requests, the ring %s", q.broken() ? "broken" : "whole")
                .isEqualTo(q.broken() ? 1 : 0);
        assertThat(irq.usedBuffers.get()).as("interrupts for one batch").isLessThanOrEqualTo(1);
        assertThat(service.next()).as("nothing more once empty or broken").isEmpty();
    }
}
