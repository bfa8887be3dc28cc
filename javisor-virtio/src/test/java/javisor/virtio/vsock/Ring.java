package javisor.virtio.vsock;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.virtio.queue.SplitQueue;

/**
 * The driver's side of one split virtqueue at addresses the test chooses, so that several queues share one guest
 * memory ({@link javisor.virtio.queue.FakeDriver} has one queue at fixed addresses). Descriptors are used as slots:
 * a chain of n buffers takes the next n descriptors, round the table.
 */
final class Ring {
    /** One buffer: where it is, how long, whether the device writes it. */
    record Buf(long address, long length, boolean writable) {
    }

    final GuestMemory memory;
    final int index;
    final int size;
    final long desc;
    final long avail;
    final long used;
    private int nextDesc;
    private int availIdx;
    private int usedSeen;

    Ring(GuestMemory memory, int index, int size, long desc, long avail, long used) {
        this.memory = memory;
        this.index = index;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        memory.zero(GuestAddress.of(desc), 16L * size);
        memory.zero(GuestAddress.of(avail), 6 + 2L * size);
        memory.zero(GuestAddress.of(used), 6 + 8L * size);
    }

    /** The queue as the transport would hand it to the device. */
    SplitQueue queue(boolean eventIdx) {
        SplitQueue q = new SplitQueue(index, size);
        q.setSize(size);
        q.setDescriptorTable(desc);
        q.setAvailableRing(avail);
        q.setUsedRing(used);
        q.setFeatures(eventIdx, false);
        q.setReady(true);
        return q;
    }

    /** Makes a chain of {@code bufs} available; returns its head. */
    int add(Buf... bufs) {
        int head = nextDesc;
        for (int i = 0; i < bufs.length; i++) {
            int d = (nextDesc + i) % size;
            boolean last = i == bufs.length - 1;
            descriptor(d, bufs[i].address(), (int) bufs[i].length(),
                    (bufs[i].writable() ? 2 : 0) | (last ? 0 : 1), (d + 1) % size);
        }
        nextDesc = (nextDesc + bufs.length) % size;
        publish(head);
        return head;
    }

    void descriptor(int i, long address, int length, int flags, int next) {
        long at = desc + 16L * i;
        memory.writeU64(GuestAddress.of(at), address);
        memory.writeU32(GuestAddress.of(at + 8), length);
        memory.writeU16(GuestAddress.of(at + 12), flags);
        memory.writeU16(GuestAddress.of(at + 14), next);
    }

    void publish(int head) {
        memory.writeU16(GuestAddress.of(avail + 4 + 2L * (availIdx % size)), head);
        availIdx = (availIdx + 1) & 0xffff;
        VarHandle.releaseFence();
        memory.writeU16(GuestAddress.of(avail + 2), availIdx);
    }

    void setAvailIndex(int idx) {
        availIdx = idx & 0xffff;
        memory.writeU16(GuestAddress.of(avail + 2), availIdx);
    }

    int nextDescriptor() {
        return nextDesc;
    }

    /** Chains made available and not yet used. */
    int outstanding() {
        return (availIdx - usedSeen) & 0xffff;
    }

    /** The used entries published since the last call: {head, length} each. */
    List<long[]> takeUsed() {
        List<long[]> out = new ArrayList<>();
        int idx = memory.readU16(GuestAddress.of(used + 2));
        VarHandle.acquireFence();
        while (usedSeen != idx) {
            long at = used + 4 + 8L * (usedSeen % size);
            out.add(new long[] {memory.readU32(GuestAddress.of(at)),
                    Integer.toUnsignedLong(memory.readU32(GuestAddress.of(at + 4)))});
            usedSeen = (usedSeen + 1) & 0xffff;
        }
        return out;
    }

    /** The descriptor's buffer address, to find what the device wrote for a used head. */
    long address(int descriptor) {
        return memory.readU64(GuestAddress.of(desc + 16L * descriptor));
    }
}
