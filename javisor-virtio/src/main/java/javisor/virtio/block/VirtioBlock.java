package javisor.virtio.block;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.sys.NativeException;
import javisor.virtio.Activation;
import javisor.virtio.ConfigSpace;
import javisor.virtio.DeviceType;
import javisor.virtio.QueueService;
import javisor.virtio.QueueWorker;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.SplitQueue;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * virtio-blk on a raw image file (virtio 1.2, 5.2 "Block Device"): one request queue served by its I/O thread.
 * Reads, writes, FLUSH (fdatasync before the status byte is written, so a completed flush is on stable storage),
 * GET_ID, DISCARD and WRITE_ZEROES (holes punched in the file). A read-only disk offers VIRTIO_BLK_F_RO, refuses
 * writes with VIRTIO_BLK_S_IOERR and has its file open for reading only. A request outside the disk, of a length
 * that is not whole sectors, or too short for its header gets an error status; a chain with no status byte at all
 * is given back empty. Nothing a driver sends can make the device touch guest memory its request did not give it,
 * or a part of the file outside the disk.
 */
public final class VirtioBlock implements VirtioDevice {
    private static final System.Logger LOG = Logs.get("javisor.virtio");

    // 5.2.3 Feature bits.
    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    // 5.2.6 Request types and status values.
    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    /** The request header: le32 type, le32 reserved, le64 sector. */
    static final int HEADER = 16;
    /** GET_ID's answer: up to 20 bytes, NUL-padded (5.2.6). */
    static final int ID_BYTES = 20;
    /** A DISCARD or WRITE_ZEROES segment: le64 sector, le32 num_sectors, le32 flags. */
    static final int SEGMENT = 16;
    static final int QUEUE_SIZE = 256;
    /** Segments one DISCARD or WRITE_ZEROES may carry; more is an error. */
    static final int MAX_RANGE_SEGMENTS = 32;
    private static final int CONFIG_SIZE = 60;

    private final DiskImage disk;
    private final byte[] id;
    private final ConfigSpace config = new ConfigSpace(CONFIG_SIZE);
    private final Map<String, AtomicLong> counters = new LinkedHashMap<>();
    private QueueWorker worker;

    /** @param serial the GET_ID answer (at most 20 bytes of ASCII; longer is cut) */
    public VirtioBlock(DiskImage disk, String serial) {
        this.disk = disk;
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        this.id = Arrays.copyOf(s, Math.min(s.length, ID_BYTES));
        long sectors = disk.size() / DiskImage.SECTOR;
        config.set(0, 8, sectors)                    // capacity, in 512-byte sectors
                .set(12, 4, QUEUE_SIZE - 2)          // seg_max: the header and the status take a descriptor each
                .set(20, 4, DiskImage.SECTOR)        // blk_size
                .set(34, 2, 1)                       // num_queues
                .set(36, 4, 0xffff_ffffL)            // max_discard_sectors
                .set(40, 4, MAX_RANGE_SEGMENTS)      // max_discard_seg
                .set(44, 4, 1)                       // discard_sector_alignment
                .set(48, 4, 0xffff_ffffL)            // max_write_zeroes_sectors
                .set(52, 4, MAX_RANGE_SEGMENTS)      // max_write_zeroes_seg
                .set(56, 1, 1);                      // write_zeroes_may_unmap
        for (String name : List.of("reads", "writes", "flushes", "discards", "write_zeroes", "bytes_read",
                "bytes_written", "errors")) {
            counters.put(name, new AtomicLong());
        }
    }

    @Override
    public DeviceType type() {
        return DeviceType.BLOCK;
    }

    @Override
    public long offeredFeatures() {
        long f = VirtioFeatures.COMMON | F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
        return disk.readOnly() ? f | F_RO : f | F_DISCARD | F_WRITE_ZEROES;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.get(offset, size);
    }

    @Override
    public synchronized void activate(Activation a) {
        SplitQueue queue = a.queues().getFirst();
        if (!queue.ready()) {
            return;
        }
        QueueService requests = requests(a);
        worker = QueueWorker.start("virtio-blk " + disk.path().getFileName(), a.doorbells().getFirst(),
                () -> serve(requests), a.interrupt()::needsReset);
    }

    /** The request queue of an activation, served for as long as it lasts (one log budget, one broken flag). */
    QueueService requests(Activation a) {
        return new QueueService("virtio-blk " + disk.path().getFileName(), a, 0,
                counters.get("errors")::incrementAndGet);
    }

    /**
     * Takes every request the driver made available, answers each, and notifies once for the batch (an interrupt
     * after each answer was measured slower: docs/performance.md). Package-private for the tests, which call it on
     * their own thread (the fuzz test so that a seed replays exactly).
     */
    void serve(QueueService requests) {
        for (var next = requests.next(); next.isPresent(); next = requests.next()) {
            DescriptorChain chain = next.get();
            requests.put(chain.head(), handle(requests.memory(), chain));
            requests.publish(); // done: a polling driver may take it now
        }
        requests.endBatch();
    }

    /** Carries out one request; returns the bytes written into it (its data and the status byte). */
    long handle(GuestMemory memory, DescriptorChain chain) {
        long writable = chain.writableLength();
        if (writable < 1) {
            counters.get("errors").incrementAndGet();
            return 0; // no room for a status byte: nothing to answer with
        }
        long statusAt = writable - 1;
        int status;
        long dataWritten = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(HEADER);
            if (chain.read(memory, 0, header) < HEADER) {
                status = S_IOERR;
            } else {
                int type = header.get(JAVA_INT_UNALIGNED, 0);
                long sector = header.get(JAVA_LONG_UNALIGNED, 8);
                long readableData = chain.readableLength() - HEADER;
                switch (type) {
                    case T_IN -> {
                        status = transfer(memory, chain, sector, statusAt, true);
                        dataWritten = status == S_OK ? statusAt : 0;
                    }
                    case T_OUT -> status = disk.readOnly() ? S_IOERR
                            : transfer(memory, chain, sector, readableData, false);
                    case T_FLUSH -> status = flush();
                    case T_GET_ID -> {
                        dataWritten = chain.write(memory, 0, MemorySegment.ofArray(paddedId(statusAt)));
                        status = S_OK;
                    }
                    case T_DISCARD, T_WRITE_ZEROES -> status = disk.readOnly() ? S_IOERR
                            : ranges(memory, chain, readableData, arena, type);
                    default -> status = S_UNSUPP;
                }
            }
        }
        if (status != S_OK) {
            counters.get("errors").incrementAndGet();
        }
        chain.write(memory, statusAt, MemorySegment.ofArray(new byte[] {(byte) status}));
        return dataWritten + 1;
    }

    /** A read into the writable part, or a write from the readable part after the header, of whole sectors. */
    private int transfer(GuestMemory memory, DescriptorChain chain, long sector, long length, boolean read) {
        if (length < 0 || length % DiskImage.SECTOR != 0 || !inside(sector, length)) {
            return S_IOERR;
        }
        long offset = sector * DiskImage.SECTOR;
        try {
            List<MemorySegment> parts = chain.views(memory, read, read ? 0 : HEADER, length);
            if (read) {
                disk.read(parts, offset);
            } else {
                disk.write(parts, offset);
            }
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "virtio-blk {0}: {1}", disk.path().getFileName(), e.getMessage());
            return S_IOERR;
        }
        counters.get(read ? "reads" : "writes").incrementAndGet();
        counters.get(read ? "bytes_read" : "bytes_written").addAndGet(length);
        return S_OK;
    }

    /** True when {@code length} bytes from {@code sector} lie inside the disk (no overflow). */
    private boolean inside(long sector, long length) {
        long sectors = disk.size() / DiskImage.SECTOR;
        return sector >= 0 && sector <= sectors && length / DiskImage.SECTOR <= sectors - sector;
    }

    private int flush() {
        try {
            disk.flush();
        } catch (NativeException e) {
            LOG.log(Level.ERROR, "virtio-blk {0}: flush failed: {1}", disk.path().getFileName(), e.getMessage());
            return S_IOERR;
        }
        counters.get("flushes").incrementAndGet();
        return S_OK;
    }

    private byte[] paddedId(long room) {
        return Arrays.copyOf(id, (int) Math.min(room, ID_BYTES));
    }

    /** DISCARD or WRITE_ZEROES: every segment checked first, then holes punched (reads give zeros after both). */
    private int ranges(GuestMemory memory, DescriptorChain chain, long length, Arena arena, int type) {
        if (length <= 0 || length % SEGMENT != 0 || length / SEGMENT > MAX_RANGE_SEGMENTS) {
            return S_IOERR;
        }
        MemorySegment segments = arena.allocate(length);
        chain.read(memory, HEADER, segments);
        int n = (int) (length / SEGMENT);
        for (int i = 0; i < n; i++) {
            long sector = segments.get(JAVA_LONG_UNALIGNED, (long) i * SEGMENT);
            long count = Integer.toUnsignedLong(segments.get(JAVA_INT_UNALIGNED, (long) i * SEGMENT + 8));
            int flags = segments.get(JAVA_INT_UNALIGNED, (long) i * SEGMENT + 12);
            // flags: only bit 0 (unmap) is defined, and only for WRITE_ZEROES (5.2.6.2)
            if ((flags & ~(type == T_WRITE_ZEROES ? 1 : 0)) != 0 || !inside(sector, count * DiskImage.SECTOR)) {
                return rangeError(flags, type);
            }
        }
        try {
            for (int i = 0; i < n; i++) {
                long sector = segments.get(JAVA_LONG_UNALIGNED, (long) i * SEGMENT);
                long count = Integer.toUnsignedLong(segments.get(JAVA_INT_UNALIGNED, (long) i * SEGMENT + 8));
                if (count > 0) {
                    disk.punchHole(sector * DiskImage.SECTOR, count * DiskImage.SECTOR);
                }
            }
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "virtio-blk {0}: {1}", disk.path().getFileName(), e.getMessage());
            return S_IOERR;
        }
        counters.get(type == T_DISCARD ? "discards" : "write_zeroes").incrementAndGet();
        return S_OK;
    }

    /** A reserved flag is unsupported (5.2.6.2: the device MUST set the status to UNSUPP); a bad range is IOERR. */
    private static int rangeError(int flags, int type) {
        return (flags & ~(type == T_WRITE_ZEROES ? 1 : 0)) != 0 ? S_UNSUPP : S_IOERR;
    }

    @Override
    public synchronized void reset() {
        if (worker != null) {
            worker.stop();
            worker = null;
        }
    }

    @Override
    public String describe() {
        return "virtio-blk " + disk.path() + " (" + (disk.readOnly() ? "read-only" : "read-write") + ", "
                + disk.size() + " bytes, id \"" + new String(id, StandardCharsets.US_ASCII) + "\")";
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public void close() {
        reset();
        disk.close();
    }
}
