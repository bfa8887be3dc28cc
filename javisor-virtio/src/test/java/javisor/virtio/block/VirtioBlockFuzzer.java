package javisor.virtio.block;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

import javisor.memory.GuestMemory;
import javisor.virtio.queue.DescriptorChain;
import javisor.virtio.queue.FuzzInput;
import javisor.virtio.queue.FuzzedChain;
import javisor.virtio.queue.GuardedRam;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static javisor.virtio.queue.FuzzedChain.within;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided: virtio-blk's request parser (virtio 1.2, 5.2.6) on real image files, given any chain a driver
 * could make (its header, sector, type, segments and status byte wherever the buffers put them). The device answers
 * every request and throws nothing; it writes guest memory only in the chain's device-writable buffers and never
 * outside RAM; the status byte it leaves in the last writable byte is OK, IOERR or UNSUPP; the image files keep
 * their size, a read-only one its every byte; and what the device says it read or wrote is what the file holds at
 * the request's sector.
 *
 * <p>Input ({@link FuzzInput}): u8 (bit 0: the read-only disk), a chain as {@link FuzzedChain} reads it, then the
 * bytes of guest RAM from address 0 (headers and data go there).
 */
class VirtioBlockFuzzer {
    private static final int SECTORS = 64;
    private static final GuardedRam RAM = new GuardedRam();
    private static final Path RW_IMAGE;
    private static final Path RO_IMAGE;
    private static final byte[] RO_CONTENTS = new byte[SECTORS * DiskImage.SECTOR];
    private static final VirtioBlock RW;
    private static final VirtioBlock RO;

    static {
        try {
            // tmpfs where there is one: a FLUSH there is no disk write, and nothing outlives the run.
            Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                    : Path.of(System.getProperty("java.io.tmpdir"));
            for (int i = 0; i < RO_CONTENTS.length; i++) {
                RO_CONTENTS[i] = (byte) (i * 31 + (i >>> 9)); // each sector different
            }
            RW_IMAGE = Files.write(Files.createTempFile(dir, "blk-fuzz-rw", ".img"), RO_CONTENTS);
            RO_IMAGE = Files.write(Files.createTempFile(dir, "blk-fuzz-ro", ".img"), RO_CONTENTS);
            RW_IMAGE.toFile().deleteOnExit();
            RO_IMAGE.toFile().deleteOnExit();
            RW = new VirtioBlock(DiskImage.open(RW_IMAGE, false), "fuzz-rw");
            RO = new VirtioBlock(DiskImage.open(RO_IMAGE, true), "fuzz-ro");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void request(byte[] data) throws IOException {
        FuzzInput in = new FuzzInput(data);
        boolean readOnly = (in.u8() & 1) != 0;
        Optional<DescriptorChain> chain = FuzzedChain.read(in);
        FuzzedChain.load(RAM, in.bytes(Integer.MAX_VALUE));
        if (chain.isEmpty()) {
            return; // the queue would not have handed it over
        }
        DescriptorChain c = chain.get();
        GuestMemory mem = RAM.memory;
        VirtioBlock device = readOnly ? RO : RW;
        Path image = readOnly ? RO_IMAGE : RW_IMAGE;

        MemorySegment header = MemorySegment.ofArray(new byte[VirtioBlock.HEADER]);
        boolean hasHeader = c.read(mem, 0, header) == VirtioBlock.HEADER;
        ByteBuffer h = header.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        long readable = c.readableLength();
        long writable = c.writableLength();

        RAM.remember();
        long written = device.handle(mem, c);
        RAM.assertChangesOnly("virtio-blk", gpa -> FuzzedChain.inWritableBuffer(c, gpa));
        RAM.assertGuardsIntact();
        assertThat(Files.size(image)).as("the image's size").isEqualTo(RO_CONTENTS.length);
        if (readOnly && type != VirtioBlock.T_IN && type != VirtioBlock.T_GET_ID) {
            assertThat(Arrays.equals(Files.readAllBytes(image), RO_CONTENTS)).as("the read-only image").isTrue();
        }
        if (writable < 1) {
            assertThat(written).as("no room for a status byte: nothing written").isZero();
            return;
        }
        assertThat(written).isBetween(1L, writable);
        MemorySegment statusByte = MemorySegment.ofArray(new byte[1]);
        readWritable(c, writable - 1, statusByte);
        int status = statusByte.get(JAVA_BYTE, 0);
        assertThat(status).as("status").isIn(VirtioBlock.S_OK, VirtioBlock.S_IOERR, VirtioBlock.S_UNSUPP);
        if (!hasHeader || status != VirtioBlock.S_OK || !disjoint(c)) {
            return; // (buffers that overlap: the status byte may land on the data, and then the data is not the file's)
        }
        // What the device did is in the file at the request's sector, byte for byte.
        if (type == VirtioBlock.T_OUT) {
            long length = readable - VirtioBlock.HEADER;
            MemorySegment sent = MemorySegment.ofArray(new byte[(int) length]);
            c.read(mem, VirtioBlock.HEADER, sent);
            assertThat(fileBytes(image, sector * DiskImage.SECTOR, (int) length))
                    .as("%d bytes written at sector %d", length, sector).isEqualTo(sent.toArray(
                            JAVA_BYTE));
        } else if (type == VirtioBlock.T_IN) {
            long length = writable - 1;
            assertThat(written).isEqualTo(writable);
            MemorySegment got = MemorySegment.ofArray(new byte[(int) length]);
            readWritable(c, 0, got);
            assertThat(got.toArray(JAVA_BYTE))
                    .as("%d bytes read from sector %d", length, sector)
                    .isEqualTo(fileBytes(image, sector * DiskImage.SECTOR, (int) length));
        }
    }

    private static boolean disjoint(DescriptorChain c) {
        var b = c.buffers();
        for (int i = 0; i < b.size(); i++) {
            for (int j = 0; j < i; j++) {
                var x = b.get(i);
                var y = b.get(j);
                if (x.size() > 0 && y.size() > 0 && (within(x.address(), y.address(), y.size())
                        || within(y.address(), x.address(), x.size()))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The chain's writable part from {@code offset}: the device's answer as the driver sees it. */
    private static void readWritable(DescriptorChain c, long offset, MemorySegment into) {
        long done = 0;
        for (MemorySegment v : c.views(RAM.memory, true, offset, into.byteSize())) {
            MemorySegment.copy(v, 0, into, done, v.byteSize());
            done += v.byteSize();
        }
    }

    private static byte[] fileBytes(Path image, long at, int length) throws IOException {
        try (FileChannel f = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && f.read(b, at + b.position()) > 0) {
                // read on
            }
            return b.array();
        }
    }
}
