package javisor.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/**
 * A request the driver made available: the head descriptor's index, which goes back on the used ring, and its
 * buffers in order, device-readable ones first, then device-writable ones (virtio 1.2, 2.7.4.2). Every buffer was
 * checked to lie in guest RAM when the chain was read ({@link SplitQueue#pop}); the copies here stay inside the
 * buffers, so a device cannot read or write outside what the driver gave it.
 */
public record DescriptorChain(int head, List<Descriptor> buffers) {
    public DescriptorChain {
        buffers = List.copyOf(buffers);
    }

    /** Bytes the device may read. */
    public long readableLength() {
        return buffers.stream().filter(d -> !d.writable()).mapToLong(Descriptor::size).sum();
    }

    /** Bytes the device may write. */
    public long writableLength() {
        return buffers.stream().filter(Descriptor::writable).mapToLong(Descriptor::size).sum();
    }

    /**
     * Copies {@code into.byteSize()} bytes of the readable part, starting {@code offset} bytes into it; returns
     * how many it copied (fewer where the readable part ends).
     */
    public long read(GuestMemory memory, long offset, MemorySegment into) {
        return copy(memory, offset, into, false);
    }

    /**
     * Copies {@code from} into the writable part, starting {@code offset} bytes into it; returns how many bytes it
     * copied (fewer where the writable part ends).
     */
    public long write(GuestMemory memory, long offset, MemorySegment from) {
        return copy(memory, offset, from, true);
    }

    /**
     * Views of the guest memory behind {@code length} bytes of the readable (or writable) part, starting
     * {@code offset} bytes into it, in order: for I/O straight between a file and guest memory. Fewer bytes than
     * asked where the part ends.
     */
    public List<MemorySegment> views(GuestMemory memory, boolean writable, long offset, long length) {
        List<MemorySegment> out = new ArrayList<>();
        long skip = offset;
        long left = length;
        for (Descriptor d : buffers) {
            if (d.writable() != writable || left == 0) {
                continue;
            }
            if (skip >= d.size()) {
                skip -= d.size();
                continue;
            }
            long n = Math.min(d.size() - skip, left);
            out.addAll(memory.slices(GuestAddress.of(d.address() + skip), n));
            left -= n;
            skip = 0;
        }
        return out;
    }

    private long copy(GuestMemory memory, long offset, MemorySegment data, boolean toGuest) {
        long skip = offset;
        long done = 0;
        for (Descriptor d : buffers) {
            if (d.writable() != toGuest) {
                continue;
            }
            if (skip >= d.size()) {
                skip -= d.size();
                continue;
            }
            long n = Math.min(d.size() - skip, data.byteSize() - done);
            if (n > 0) {
                GuestAddress at = GuestAddress.of(d.address() + skip);
                if (toGuest) {
                    memory.write(at, data.asSlice(done, n));
                } else {
                    memory.read(at, data.asSlice(done, n));
                }
                done += n;
            }
            skip = 0;
            if (done == data.byteSize()) {
                break;
            }
        }
        return done;
    }
}
