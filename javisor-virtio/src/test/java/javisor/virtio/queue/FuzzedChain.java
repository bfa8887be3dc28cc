package javisor.virtio.queue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javisor.memory.GuestAddress;

/**
 * A descriptor chain read from a fuzz input, for the device parsers' fuzz targets: the buffers a driver might give,
 * as {@link SplitQueue#pop} would hand them over (it checks each lies in RAM and the readable ones come first, so a
 * list that breaks either is no chain a device ever sees). The queue's own parsing is {@link SplitQueueFuzzer}'s.
 *
 * <p>Input: u8 buffer count (mod 8, plus 1), then per buffer a u8 kind (bits 0-1 the {@link GuardedRam} region, bit
 * 2 a u32 length rather than a u16, bit 7 device-writable), a u16 offset into the region and the length.
 */
public final class FuzzedChain {
    private FuzzedChain() {
    }

    /**
     * True when {@code gpa} is in {@code [start, start + length)} (modulo 2^64, so a range that ends at 2^64 works):
     * {@link GuardedRam#within} without its BigIntegers, for predicates asked once for every changed byte.
     */
    public static boolean within(long gpa, long start, long length) {
        return Long.compareUnsigned(gpa - start, length) < 0;
    }

    /** True when {@code gpa} lies in one of the chain's device-writable buffers: where a device may write. */
    public static boolean inWritableBuffer(DescriptorChain c, long gpa) {
        for (Descriptor d : c.buffers()) {
            if (d.writable() && within(gpa, d.address(), d.size())) {
                return true;
            }
        }
        return false;
    }

    /** Zeros every region of {@code ram}, then writes {@code image} (up to region A's 32 KiB) from guest address 0. */
    public static void load(GuardedRam ram, byte[] image) {
        for (GuardedRam.Region r : GuardedRam.REGIONS) {
            ram.memory.zero(GuestAddress.of(r.start()), r.size());
        }
        ram.memory.write(GuestAddress.ZERO, Arrays.copyOf(image, Math.min(image.length, 0x8000)));
    }

    public static Optional<DescriptorChain> read(FuzzInput in) {
        int n = in.u8() % 8 + 1;
        List<Descriptor> buffers = new ArrayList<>();
        boolean writableSeen = false;
        boolean valid = true;
        for (int i = 0; i < n; i++) {
            int kind = in.u8();
            long address = GuardedRam.REGIONS.get(kind & 3).start() + in.u16();
            int length = (kind & 4) != 0 ? in.u32() : in.u16();
            boolean writable = (kind & 0x80) != 0;
            Descriptor d = new Descriptor(address, length, writable);
            valid &= GuardedRam.inRam(address, d.size()) && (writable || !writableSeen);
            writableSeen |= writable;
            buffers.add(d);
        }
        return valid ? Optional.of(new DescriptorChain(0, buffers)) : Optional.empty();
    }
}
