package javisor.virtio.queue;

import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.sys.HostMapping;
import javisor.sys.LibC;

/**
 * The driver's side of one split virtqueue, played by a test (a test double: a guest kernel is what it stands in
 * for): rings laid out in real guest memory, requests made available as a driver makes them, used entries read
 * back. Buffers are handed out from a simple bump allocator above the rings.
 */
public final class FakeDriver implements AutoCloseable {
    public static final long RAM = 4 << 20;
    public static final long DESC = 0x1000;
    public static final long AVAIL = 0x9000;
    public static final long USED = 0xa000;
    /** A page of the guest's ROM right after its RAM (with {@link #withRom}): no W flag, a read-only host view. */
    public static final long ROM = RAM;
    public static final long ROM_SIZE = 0x1000;
    private static final long BUFFERS = 0x10_0000;

    public final GuestMemory memory;
    public final int size;
    private final long desc;
    private final long avail;
    private final long used;
    private int nextDesc;
    private int availIdx;
    private int usedSeen;
    private long nextBuffer = BUFFERS;

    /** One buffer of a request: where it is and whether the device writes it. */
    public record Buf(long address, int length, boolean writable) {
    }

    public FakeDriver(int size) {
        this(size, GuestMemory.of(List.of(GuestRegion.allocate(GuestAddress.ZERO, RAM, RegionFlags.RWX))));
    }

    private FakeDriver(int size, GuestMemory memory) {
        this(size, memory, 0);
    }

    private FakeDriver(int size, GuestMemory memory, int queue) {
        this.memory = memory;
        this.size = size;
        long shift = 0x1_0000L * queue;
        this.desc = DESC + shift;
        this.avail = AVAIL + shift;
        this.used = USED + shift;
        this.nextBuffer = BUFFERS + 0x8_0000L * queue;
    }

    /**
     * The driver of another queue of the same device, in the same guest memory: its rings 64 KiB * {@code queue}
     * above this one's, its buffers from 512 KiB * {@code queue} above. Closing either closes the memory.
     */
    public FakeDriver queueDriver(int queue) {
        return new FakeDriver(size, memory, queue);
    }

    /**
     * A driver whose guest also has {@link #ROM}: a read-only region mapped from a memfd as Javisor maps a read-only
     * MapReserved file, so its host view is read-only too (a device write there would throw, not land).
     */
    public static FakeDriver withRom(int size) {
        int fd = LibC.memfdCreate("rom", LibC.MFD_CLOEXEC);
        HostMapping rom;
        try {
            LibC.ftruncate(fd, ROM_SIZE);
            rom = HostMapping.sharedFile(fd, 0, ROM_SIZE, false);
        } finally {
            LibC.close(fd);
        }
        return new FakeDriver(size, GuestMemory.of(List.of(
                GuestRegion.allocate(GuestAddress.ZERO, RAM, RegionFlags.RWX),
                new GuestRegion(GuestAddress.of(ROM), new RegionFlags(RegionFlags.READ), MappingKind.MAP_RESERVED,
                        rom))));
    }

    /** A queue as the transport would set it up from this driver's registers. */
    public SplitQueue queue(boolean eventIdx, boolean indirect) {
        SplitQueue q = new SplitQueue(0, size);
        q.setSize(size);
        q.setDescriptorTable(desc);
        q.setAvailableRing(avail);
        q.setUsedRing(used);
        q.setFeatures(eventIdx, indirect);
        q.setReady(true);
        return q;
    }

    /** {@code length} bytes of fresh buffer memory, holding {@code contents} (the rest zero). */
    public Buf buffer(int length, boolean writable, byte... contents) {
        long at = nextBuffer;
        nextBuffer += (length + 15) & ~15;
        memory.zero(GuestAddress.of(at), length);
        memory.write(GuestAddress.of(at), contents);
        return new Buf(at, length, writable);
    }

    /** Writes descriptor {@code i} of the table at {@code table}. */
    public void descriptor(long table, int i, long address, int length, int flags, int next) {
        long at = table + 16L * i;
        memory.writeU64(GuestAddress.of(at), address);
        memory.writeU32(GuestAddress.of(at + 8), length);
        memory.writeU16(GuestAddress.of(at + 12), flags);
        memory.writeU16(GuestAddress.of(at + 14), next);
    }

    /** Makes a request of {@code bufs} available, chained through the descriptor table; returns its head. */
    public int add(Buf... bufs) {
        int head = nextDesc;
        for (int i = 0; i < bufs.length; i++) {
            int d = (nextDesc + i) % size;
            boolean last = i == bufs.length - 1;
            descriptor(desc, d, bufs[i].address(), bufs[i].length(),
                    (bufs[i].writable() ? Descriptor.F_WRITE : 0) | (last ? 0 : Descriptor.F_NEXT), (d + 1) % size);
        }
        nextDesc = (nextDesc + bufs.length) % size;
        publish(head);
        return head;
    }

    /** Puts {@code head} on the available ring and moves the index past it. */
    public void publish(int head) {
        memory.writeU16(GuestAddress.of(avail + 4 + 2L * (availIdx % size)), head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.writeU16(GuestAddress.of(avail + 2), availIdx);
    }

    /** Starts afresh after a device reset, as a driver does: empty rings, every index back to 0. */
    public void restart() {
        memory.zero(GuestAddress.of(desc), used + 0x1000 - desc);
        nextDesc = 0;
        availIdx = 0;
        usedSeen = 0;
    }

    /** Sets the available ring's index as a (broken) driver might. */
    public void setAvailIndex(int idx) {
        availIdx = idx;
        memory.writeU16(GuestAddress.of(avail + 2), idx);
    }

    /** A request whose head is a descriptor pointing at an indirect table of {@code bufs}. */
    public int addIndirect(Buf... bufs) {
        long table = nextBuffer;
        nextBuffer += 16L * bufs.length;
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            descriptor(table, i, bufs[i].address(), bufs[i].length(),
                    (bufs[i].writable() ? Descriptor.F_WRITE : 0) | (last ? 0 : Descriptor.F_NEXT), i + 1);
        }
        int head = nextDesc;
        descriptor(desc, head, table, 16 * bufs.length, Descriptor.F_INDIRECT, 0);
        nextDesc = (nextDesc + 1) % size;
        publish(head);
        return head;
    }

    /** The used index the device published. */
    public int usedIndex() {
        return memory.readU16(GuestAddress.of(used + 2));
    }

    /** The used entries published since the last call: {head, length} each. */
    public List<long[]> takeUsed() {
        List<long[]> out = new ArrayList<>();
        int idx = usedIndex();
        while (usedSeen != idx) {
            long at = used + 4 + 8L * (usedSeen % size);
            out.add(new long[] {memory.readU32(GuestAddress.of(at)),
                    Integer.toUnsignedLong(memory.readU32(GuestAddress.of(at + 4)))});
            usedSeen = (usedSeen + 1) & 0xffff;
        }
        return out;
    }

    /** With EVENT_IDX: the used index after which the driver wants its next interrupt. */
    public void setUsedEvent(int idx) {
        memory.writeU16(GuestAddress.of(avail + 4 + 2L * size), idx);
    }

    /** Without EVENT_IDX: VIRTQ_AVAIL_F_NO_INTERRUPT. */
    public void setNoInterrupt(boolean on) {
        memory.writeU16(GuestAddress.of(avail), on ? 1 : 0);
    }

    public byte[] read(Buf b) {
        return memory.read(GuestAddress.of(b.address()), b.length());
    }

    @Override
    public void close() {
        memory.close();
    }
}
