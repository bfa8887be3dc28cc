package javisor.virtio.queue;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.memory.GuestRegion;
import javisor.memory.MappingKind;
import javisor.memory.RegionFlags;
import javisor.sys.HostMapping;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Guest RAM for the fuzz tests, cut from one host mapping with a guard page before, between and after its regions:
 * the guards hold a pattern that must never change, so a stray access next to guest RAM (a native pread or
 * pwrite one byte too long, say) shows. The regions test the edges a driver can aim at:
 *
 * <pre>
 *   A  [0x0, 0x8000)                   rings and tables below {@link #RING_AREA_END}, buffers above
 *   B  [0x8000, 0xa000)                right after A in guest-physical space, not in host memory: a buffer may
 *                                      run from A into B and needs two host views
 *   C  [0x10_0000, 0x10_2000)          after a hole
 *   T  [2^64 - 0x2000, 2^64)           at the top of the address space: a buffer running past it must not wrap
 *                                      around to A
 * </pre>
 *
 * Where an address lies is decided here with BigInteger arithmetic, apart from {@link GuestMemory}'s own checks,
 * which are among the things under test.
 */
public final class GuardedRam implements AutoCloseable {
    /** Rings and tables go below this address; device-writable buffers never do in the device fuzz. */
    public static final long RING_AREA_END = 0x4000;
    private static final long GUARD = 0x1000;
    private static final byte PATTERN = (byte) 0xa5;
    /** A guard's worth of the pattern, to compare the guards with. */
    private static final MemorySegment GUARD_PATTERN = MemorySegment.ofArray(new byte[(int) GUARD]).fill(PATTERN);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /** One region: guest-physical start and size, and where its bytes are in the host mapping. */
    public record Region(long start, long size, long hostOffset) {
        BigInteger first() {
            return unsigned(start);
        }

        BigInteger end() {
            return first().add(BigInteger.valueOf(size));
        }
    }

    public static final List<Region> REGIONS = layout(new long[][] {
            {0x0, 0x8000}, {0x8000, 0x2000}, {0x10_0000, 0x2000}, {-0x2000L, 0x2000}});

    private final HostMapping host;
    public final GuestMemory memory;
    private final List<MemorySegment> ram = new ArrayList<>();
    private final List<MemorySegment> guards = new ArrayList<>();
    private final byte[] before = new byte[(int) totalRam()];

    public GuardedRam() {
        Region last = REGIONS.getLast();
        host = HostMapping.anonymous(last.hostOffset() + last.size() + GUARD);
        host.segment().fill(PATTERN);
        List<GuestRegion> regions = new ArrayList<>();
        long guardAt = 0;
        for (Region r : REGIONS) {
            guards.add(host.segment().asSlice(guardAt, r.hostOffset() - guardAt));
            HostMapping slice = host.slice(r.hostOffset(), r.size());
            ram.add(slice.segment());
            regions.add(new GuestRegion(GuestAddress.of(r.start()), RegionFlags.RWX, MappingKind.MAP_ALLOC, slice));
            guardAt = r.hostOffset() + r.size();
        }
        guards.add(host.segment().asSlice(guardAt, GUARD));
        memory = GuestMemory.of(regions);
    }

    private static List<Region> layout(long[][] spans) {
        List<Region> out = new ArrayList<>();
        long at = GUARD;
        for (long[] s : spans) {
            out.add(new Region(s[0], s[1], at));
            at += s[1] + GUARD;
        }
        return List.copyOf(out);
    }

    private static long totalRam() {
        return REGIONS.stream().mapToLong(Region::size).sum();
    }

    static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v);
        return v < 0 ? b.add(TWO_64) : b;
    }

    /** True when every byte of {@code [address, address + length)} is guest RAM (a length of 0 touches nothing). */
    public static boolean inRam(long address, long length) {
        BigInteger at = unsigned(address);
        BigInteger end = at.add(unsigned(length));
        while (at.compareTo(end) < 0) {
            Region r = regionAt(at);
            if (r == null) {
                return false;
            }
            at = r.end();
        }
        return true;
    }

    private static Region regionAt(BigInteger address) {
        for (Region r : REGIONS) {
            if (address.compareTo(r.first()) >= 0 && address.compareTo(r.end()) < 0) {
                return r;
            }
        }
        return null;
    }

    /** Fills guest RAM with random bytes: what a guest leaves there is anything. */
    public void randomize(SplittableRandom random) {
        byte[] noise = new byte[before.length];
        random.nextBytes(noise);
        long at = 0;
        for (MemorySegment r : ram) {
            MemorySegment.copy(MemorySegment.ofArray(noise), at, r, 0, r.byteSize());
            at += r.byteSize();
        }
    }

    /** True when {@code view} (a host segment a chain handed out) lies inside one region's RAM. */
    public boolean isRamView(MemorySegment view) {
        for (MemorySegment r : ram) {
            long start = r.address();
            if (view.address() >= start && view.address() + view.byteSize() <= start + r.byteSize()) {
                return true;
            }
        }
        return false;
    }

    /** Remembers what RAM holds now, for {@link #assertChangesOnly}. */
    public void remember() {
        long at = 0;
        for (MemorySegment r : ram) {
            MemorySegment.copy(r, JAVA_BYTE, 0, before, (int) at, (int) r.byteSize());
            at += r.byteSize();
        }
    }

    /**
     * Fails, naming {@code what} and the first such address, if a byte of RAM changed since {@link #remember} at a
     * guest-physical address {@code allowed} does not accept.
     */
    public void assertChangesOnly(String what, LongPredicate allowed) {
        MemorySegment old = MemorySegment.ofArray(before);
        long at = 0;
        for (int i = 0; i < ram.size(); i++) {
            MemorySegment r = ram.get(i);
            long n = r.byteSize();
            long from = 0;
            while (from < n) {
                long m = MemorySegment.mismatch(r, from, n, old, at + from, at + n);
                if (m < 0) {
                    break;
                }
                long off = from + m;
                long gpa = REGIONS.get(i).start() + off;
                if (!allowed.test(gpa)) {
                    fail("%s changed guest memory at 0x%x (0x%02x -> 0x%02x), which it may not touch", what, gpa,
                            before[(int) (at + off)], r.get(JAVA_BYTE, off));
                }
                from = off + 1;
            }
            at += n;
        }
    }

    /**
     * Fails unless every guard byte still holds the pattern. Compared a guard at a time with {@link
     * MemorySegment#mismatch} (vectorized, and one call where a byte loop would be instrumented byte by byte under
     * a coverage-guided fuzzer, whose targets call this for every input).
     */
    public void assertGuardsIntact() {
        for (MemorySegment g : guards) {
            long i = MemorySegment.mismatch(g, 0, g.byteSize(), GUARD_PATTERN, 0, g.byteSize());
            if (i >= 0) {
                fail("guard byte at host 0x%x (%d bytes from a guard's start) changed to 0x%02x",
                        g.address() + i, i, g.get(JAVA_BYTE, i));
            }
        }
    }

    /** True when {@code gpa} is in {@code [start, start + length)}, without wrapping. */
    public static boolean within(long gpa, long start, long length) {
        BigInteger a = unsigned(gpa);
        BigInteger s = unsigned(start);
        return a.compareTo(s) >= 0 && a.compareTo(s.add(unsigned(length))) < 0;
    }

    /**
     * An address a hostile driver might give: mostly somewhere in or at the edge of a region (its start, just
     * before or after its end), else in a hole, near 2^32, 2^63 or 2^64, or anything.
     */
    public static long address(SplittableRandom r) {
        Region g = REGIONS.get(r.nextInt(REGIONS.size()));
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> g.start() + r.nextLong(g.size());
            case 3 -> g.start() + g.size() - r.nextInt(1, 40);   // just before the end (wraps for T: 2^64 - k)
            case 4 -> g.start() + g.size() + r.nextInt(40);      // at or just past the end (0.. for T)
            case 5 -> g.start() - r.nextInt(1, 40);              // just before the start
            case 6 -> 0x1_0000_0000L - r.nextInt(64);
            case 7 -> Long.MIN_VALUE + r.nextInt(64) - 32;
            case 8 -> -1L - r.nextInt(64);
            default -> r.nextLong();
        };
    }

    /** A length a hostile driver might give: small, a sector or so, big, or near 2^31 and 2^32. */
    public static int length(SplittableRandom r) {
        return switch (r.nextInt(9)) {
            case 0 -> 0;
            case 1, 2 -> r.nextInt(1, 33);
            case 3 -> 512 * r.nextInt(1, 5) + r.nextInt(3) - 1;
            case 4 -> r.nextInt(1, 0x4000);
            case 5 -> 0x2000 + r.nextInt(-16, 16);
            case 6 -> Integer.MIN_VALUE + r.nextInt(-2, 3);       // around 2^31
            case 7 -> -1 - r.nextInt(16);                          // just below 2^32
            default -> r.nextInt();
        };
    }

    @Override
    public void close() {
        memory.close(); // the region slices own nothing
        host.close();
    }

    /** Makes sure the layout is what the doc says; a test calls it once. */
    static void checkLayout() {
        assertThat(inRam(0x7ff8, 16)).as("A runs into B").isTrue();
        assertThat(inRam(0x9ff8, 16)).as("B ends in a hole").isFalse();
        assertThat(inRam(-8, 8)).as("T ends at 2^64").isTrue();
        assertThat(inRam(-8, 16)).as("no wrap from T into A").isFalse();
    }
}
