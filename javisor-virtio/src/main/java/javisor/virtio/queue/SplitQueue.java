package javisor.virtio.queue;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestMemoryException;
import javisor.memory.GuestRegion;

/**
 * The device's side of one split virtqueue (virtio 1.2, 2.7 "Split Virtqueues"): its layout as the driver set it
 * up through the transport, the next available entry to take and the next used entry to fill. It owns no memory:
 * every call takes the guest memory the rings live in, and every value read from it is checked before use.
 *
 * <p>The transport configures the queue while the device is stopped; once the driver sets DRIVER_OK, one I/O
 * thread at a time pops, fills and notifies. Memory order follows the spec's barriers (2.7.13): the available
 * index is read before the entries it covers (acquire), a used entry is written before the used index that
 * publishes it (release), and the used index before the driver's used_event is read (full fence).
 */
public final class SplitQueue {
    /** VIRTQ_AVAIL_F_NO_INTERRUPT: the driver does not want interrupts (ignored with EVENT_IDX). */
    private static final int AVAIL_F_NO_INTERRUPT = 1;
    /** The largest queue size a split virtqueue can have (2.7: "Queue Size ... maximum 32768"). */
    public static final int MAX_SIZE = 32768;

    private final int index;
    private final int maxSize;
    private int size;
    private long descTable;
    private long availRing;
    private long usedRing;
    private boolean ready;
    private boolean eventIdx;
    private boolean indirect;
    /** Set when the ring broke (its index ran too far ahead): the queue takes nothing more until a reset. */
    private boolean broken;
    /** The next available ring entry to take, and the next used ring entry to fill: free-running u16 counters. */
    private int nextAvail;
    private int nextUsed;

    /** @param maxSize the largest size the device offers (QueueNumMax): a power of two up to {@link #MAX_SIZE} */
    public SplitQueue(int index, int maxSize) {
        if (maxSize < 1 || maxSize > MAX_SIZE || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue size " + maxSize + " is not a power of two up to " + MAX_SIZE);
        }
        this.index = index;
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    public int index() {
        return index;
    }

    public int maxSize() {
        return maxSize;
    }

    public int size() {
        return size;
    }

    public boolean ready() {
        return ready;
    }

    /** QueueNum: the driver's size, a power of two up to the maximum (2.7: "Queue Size value is always a power of 2"). */
    public void setSize(int size) {
        this.size = size;
    }

    public void setDescriptorTable(long address) {
        this.descTable = address;
    }

    public void setAvailableRing(long address) {
        this.availRing = address;
    }

    public void setUsedRing(long address) {
        this.usedRing = address;
    }

    public long descriptorTable() {
        return descTable;
    }

    public long availableRing() {
        return availRing;
    }

    public long usedRing() {
        return usedRing;
    }

    public void setReady(boolean ready) {
        this.ready = ready;
    }

    /** The features that change how the queue works, as negotiated: VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC. */
    public void setFeatures(boolean eventIdx, boolean indirect) {
        this.eventIdx = eventIdx;
        this.indirect = indirect;
    }

    /** Back to the state after a device reset (2.4): not ready, no rings, counters at 0. */
    public void reset() {
        size = maxSize;
        descTable = 0;
        availRing = 0;
        usedRing = 0;
        ready = false;
        eventIdx = false;
        indirect = false;
        broken = false;
        nextAvail = 0;
        nextUsed = 0;
    }

    private long availBytes() {
        return 4 + 2L * size + 2; // flags, idx, ring[size], used_event
    }

    private long usedBytes() {
        return 4 + 8L * size + 2; // flags, idx, ring[size] of {id, len}, avail_event
    }

    /**
     * Checks the layout before the device uses the queue: a power-of-two size up to the maximum, each part
     * aligned as 2.7 requires (descriptors 16, available ring 2, used ring 4) and wholly in guest RAM, the used
     * ring in RAM the guest may write (the device writes it; a region without the W flag is the guest's ROM).
     */
    public void check(GuestMemory memory) throws QueueException {
        if (size < 1 || size > maxSize || Integer.bitCount(size) != 1) {
            throw error("size " + size + " is not a power of two from 1 to " + maxSize);
        }
        checkPart(memory, "descriptor table", descTable, (long) Descriptor.SIZE * size, 16);
        checkPart(memory, "available ring", availRing, availBytes(), 2);
        checkPart(memory, "used ring", usedRing, usedBytes(), 4);
        if (!writableRam(memory, usedRing, usedBytes())) {
            throw error("the used ring at 0x" + Long.toHexString(usedRing) + " is in read-only memory");
        }
    }

    /**
     * True when {@code [address, address + length)}, already known to be guest RAM, lies in regions the guest may
     * write. The device writes only there: its host view of a read-only region may be a read-only mapping (a write
     * would throw, or crash the JVM), and where it is not, a write would change the guest's ROM behind its back.
     */
    private static boolean writableRam(GuestMemory memory, long address, long length) {
        long done = 0;
        while (done < length) {
            GuestAddress at = GuestAddress.of(address + done);
            GuestRegion r = memory.regionAt(at).orElse(null);
            if (r == null || r.readOnly()) {
                return false;
            }
            done += Math.min(length - done, r.size() - at.offsetFrom(r.start()));
        }
        return true;
    }

    private void checkPart(GuestMemory memory, String what, long address, long length, int alignment)
            throws QueueException {
        if ((address & (alignment - 1)) != 0) {
            throw error("the " + what + " at 0x" + Long.toHexString(address) + " is not " + alignment
                    + "-byte aligned");
        }
        if (!memory.contains(GuestAddress.of(address), length)) {
            throw error("the " + what + " at 0x" + Long.toHexString(address) + " (" + length
                    + " bytes) is not in guest RAM");
        }
    }

    private QueueException error(String what) {
        return new QueueException("virtqueue " + index + ": " + what, -1);
    }

    /**
     * Takes the next request the driver made available, if any. Throws when the ring or the chain breaks the
     * rules; the available entry is taken all the same, so a bad request cannot stall the queue. Once the ring
     * itself broke ({@link QueueException#ringBroken()}), it takes nothing more until {@link #reset()}.
     */
    public Optional<DescriptorChain> pop(GuestMemory memory) throws QueueException {
        if (broken) {
            return Optional.empty();
        }
        int availIdx;
        try {
            availIdx = memory.readU16(GuestAddress.of(availRing + 2));
        } catch (GuestMemoryException e) {
            broken = true;
            throw QueueException.ringBroken("virtqueue " + index + ": the available ring is not readable: "
                    + e.getMessage());
        }
        VarHandle.acquireFence(); // the entries the index covers were written before it (2.7.13)
        int pending = (availIdx - nextAvail) & 0xffff;
        if (pending == 0) {
            return Optional.empty();
        }
        if (pending > size) {
            broken = true;
            throw QueueException.ringBroken("virtqueue " + index + ": the available index " + availIdx + " runs "
                    + pending + " entries ahead of the device, more than the queue's " + size);
        }
        int head = memory.readU16(GuestAddress.of(availRing + 4 + 2L * (nextAvail % size)));
        nextAvail = (nextAvail + 1) & 0xffff;
        if (head >= size) {
            throw error("head descriptor " + head + " is not below the queue size " + size);
        }
        try {
            return Optional.of(readChain(memory, head));
        } catch (QueueException e) {
            throw new QueueException(e.getMessage(), head);
        }
    }

    /**
     * Asks the driver for a doorbell at its next request, before the device waits for one: with
     * VIRTIO_F_EVENT_IDX, avail_event goes to the next entry the device will take (2.7.10). {@link #pop} leaves
     * avail_event where it was, so that while the device works through a batch the driver rings no doorbell for
     * what it adds meanwhile (each is an exit under KVM). Returns true if the driver made a request available
     * before it could see the new avail_event: the device takes it instead of waiting.
     */
    public boolean armNotification(GuestMemory memory) {
        if (!eventIdx || broken) {
            return false; // without EVENT_IDX the driver rings for every request (the device never sets NO_NOTIFY)
        }
        memory.writeU16(GuestAddress.of(usedRing + 4 + 8L * size), nextAvail);
        VarHandle.fullFence(); // avail_event out before the available index is read again
        return memory.readU16(GuestAddress.of(availRing + 2)) != nextAvail;
    }

    /** True once the ring broke: the device must be reset before this queue serves again. */
    public boolean broken() {
        return broken;
    }

    /** The number of the last available entry {@link #pop} took plus one (for tests and counters). */
    public int nextAvailable() {
        return nextAvail;
    }

    /** The number of the last used entry {@link #addUsed} filled plus one (for tests and counters). */
    public int nextUsed() {
        return nextUsed;
    }

    private DescriptorChain readChain(GuestMemory memory, int head) throws QueueException {
        List<Descriptor> buffers = new ArrayList<>();
        int i = head;
        int seen = 0;
        boolean writableSeen = false;
        while (true) {
            if (++seen > size) {
                throw error("the chain from descriptor " + head + " is longer than the queue (a loop)");
            }
            long at = descTable + (long) Descriptor.SIZE * i;
            long addr = memory.readU64(GuestAddress.of(at));
            int len = memory.readU32(GuestAddress.of(at + 8));
            int flags = memory.readU16(GuestAddress.of(at + 12));
            int next = memory.readU16(GuestAddress.of(at + 14));
            if ((flags & Descriptor.F_INDIRECT) != 0) {
                if (!indirect) {
                    throw error("descriptor " + i + " is indirect, but VIRTIO_F_INDIRECT_DESC was not negotiated");
                }
                if ((flags & Descriptor.F_NEXT) != 0) {
                    throw error("descriptor " + i + " is indirect and has NEXT set (2.7.5.3.1)");
                }
                writableSeen = readIndirect(memory, addr, Integer.toUnsignedLong(len), buffers, writableSeen);
                break;
            }
            writableSeen = add(memory, buffers, new Descriptor(addr, len, (flags & Descriptor.F_WRITE) != 0),
                    writableSeen, i);
            if ((flags & Descriptor.F_NEXT) == 0) {
                break;
            }
            if (next >= size) {
                throw error("descriptor " + i + " points to " + next + ", not below the queue size " + size);
            }
            i = next;
        }
        return new DescriptorChain(head, buffers);
    }

    /** An indirect table (2.7.5.3): its own chain of at most {@code table length / 16} descriptors. */
    private boolean readIndirect(GuestMemory memory, long table, long length, List<Descriptor> buffers,
                                 boolean writableSeen) throws QueueException {
        if (length == 0 || length % Descriptor.SIZE != 0) {
            throw error("indirect table length " + length + " is not a non-zero multiple of " + Descriptor.SIZE);
        }
        long count = length / Descriptor.SIZE;
        if (count > MAX_SIZE) {
            throw error("indirect table of " + count + " descriptors is larger than any queue (" + MAX_SIZE + ")");
        }
        if (!memory.contains(GuestAddress.of(table), length)) {
            throw error("indirect table at 0x" + Long.toHexString(table) + " (" + length + " bytes) is not in "
                    + "guest RAM");
        }
        int i = 0;
        int seen = 0;
        boolean writable = writableSeen;
        while (true) {
            if (++seen > count) {
                throw error("the indirect chain at 0x" + Long.toHexString(table) + " loops");
            }
            long at = table + (long) Descriptor.SIZE * i;
            long addr = memory.readU64(GuestAddress.of(at));
            int len = memory.readU32(GuestAddress.of(at + 8));
            int flags = memory.readU16(GuestAddress.of(at + 12));
            int next = memory.readU16(GuestAddress.of(at + 14));
            if ((flags & Descriptor.F_INDIRECT) != 0) {
                throw error("an indirect table holds an indirect descriptor (2.7.5.3.1 allows one level)");
            }
            writable = add(memory, buffers, new Descriptor(addr, len, (flags & Descriptor.F_WRITE) != 0), writable,
                    i);
            if ((flags & Descriptor.F_NEXT) == 0) {
                return writable;
            }
            if (next >= count) {
                throw error("indirect descriptor " + i + " points to " + next + ", outside its table of " + count);
            }
            i = next;
        }
    }

    private boolean add(GuestMemory memory, List<Descriptor> buffers, Descriptor d, boolean writableSeen, int i)
            throws QueueException {
        if (!d.writable() && writableSeen) {
            throw error("descriptor " + i + " is device-readable after a device-writable one (2.7.4.2)");
        }
        if (!memory.contains(GuestAddress.of(d.address()), d.size())) {
            throw error("descriptor " + i + " points at 0x" + Long.toHexString(d.address()) + " (" + d.size()
                    + " bytes), which is not guest RAM");
        }
        if (d.writable() && !writableRam(memory, d.address(), d.size())) {
            throw error("device-writable descriptor " + i + " points at 0x" + Long.toHexString(d.address()) + " ("
                    + d.size() + " bytes), which is read-only memory");
        }
        buffers.add(d);
        return writableSeen || d.writable();
    }

    /**
     * Puts a finished request on the used ring: its head and how many bytes the device wrote into it. Returns the
     * used index before this entry, for {@link #needsInterrupt}.
     */
    public int addUsed(GuestMemory memory, int head, long written) {
        int old = putUsed(memory, head, written);
        publishUsed(memory);
        return old;
    }

    /**
     * Writes a used entry without making it visible: {@link #publishUsed} does, for this entry and those put
     * before it together (a received frame spread over several buffers is one used index update, 5.1.6.4).
     * Returns the used index before this entry.
     */
    public int putUsed(GuestMemory memory, int head, long written) {
        int old = nextUsed;
        long entry = usedRing + 4 + 8L * (nextUsed % size);
        memory.writeU32(GuestAddress.of(entry), head);
        memory.writeU32(GuestAddress.of(entry + 4), (int) Math.min(written, 0xffff_ffffL));
        nextUsed = (nextUsed + 1) & 0xffff;
        return old;
    }

    /** Makes the entries put so far visible to the driver: the used index moves past them. */
    public void publishUsed(GuestMemory memory) {
        VarHandle.releaseFence(); // the entries before the index that makes them visible (2.7.13)
        memory.writeU16(GuestAddress.of(usedRing + 2), nextUsed);
    }

    /**
     * Whether the driver wants an interrupt for the used entries added since used index {@code oldUsed}: with
     * VIRTIO_F_EVENT_IDX when they pass its used_event (2.7.10, vring_need_event), else unless it set
     * VIRTQ_AVAIL_F_NO_INTERRUPT.
     */
    public boolean needsInterrupt(GuestMemory memory, int oldUsed) {
        VarHandle.fullFence(); // the used index is out before the driver's used_event is read (2.7.7.2)
        if (eventIdx) {
            int usedEvent = memory.readU16(GuestAddress.of(availRing + 4 + 2L * size));
            return ((nextUsed - usedEvent - 1) & 0xffff) < ((nextUsed - oldUsed) & 0xffff);
        }
        return (memory.readU16(GuestAddress.of(availRing)) & AVAIL_F_NO_INTERRUPT) == 0;
    }
}
