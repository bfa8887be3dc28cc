package javisor.virtio.block;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javisor.sys.LibC;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/** A request's scattered buffers go to and from the image file in order, also past what one preadv takes. */
class DiskImageTest {
    @TempDir
    Path tmp;

    @Test
    void moreBuffersThanOneVectoredCallTakesAreReadAndWrittenInOrder() throws Exception {
        int parts = LibC.UIO_MAXIOV + 77;
        Path file = Files.write(tmp.resolve("disk.img"), new byte[parts * 512]);
        try (Arena arena = Arena.ofConfined(); DiskImage disk = DiskImage.open(file, false)) {
            List<MemorySegment> out = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                MemorySegment s = arena.allocate(512 - i % 7); // odd sizes: the parts do not line up with sectors
                s.fill((byte) i);
                out.add(s);
            }
            disk.write(out, 100);
            byte[] file1 = Files.readAllBytes(file);
            long at = 100;
            for (int i = 0; i < parts; i++) {
                for (long j = 0; j < out.get(i).byteSize(); j++) {
                    assertThat(file1[(int) (at + j)]).as("byte %d of part %d", j, i).isEqualTo((byte) i);
                }
                at += out.get(i).byteSize();
            }
            List<MemorySegment> in = new ArrayList<>();
            for (MemorySegment s : out) {
                in.add(arena.allocate(s.byteSize()));
            }
            disk.read(in, 100);
            for (int i = 0; i < parts; i++) {
                assertThat(in.get(i).toArray(JAVA_BYTE)).as("part %d", i).isEqualTo(out.get(i).toArray(JAVA_BYTE));
            }
        }
    }
}
