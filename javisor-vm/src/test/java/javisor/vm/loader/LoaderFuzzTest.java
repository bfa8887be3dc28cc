package javisor.vm.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/**
 * Random mutations of valid images: each load either succeeds or throws an {@link ImageException} of
 * the loader's own making (no wrapped memory exception, which would mean a missed check).
 */
class LoaderFuzzTest {
    /** Rounds per seed; raise with -Djavisor.fuzz.rounds for a longer local run. */
    private static final int ROUNDS = Integer.getInteger("javisor.fuzz.rounds", 3000);

    private final GuestMemory memory = TestMemory.standard();

    @AfterEach
    void close() {
        memory.close();
    }

    static Stream<Named<byte[]>> seeds() {
        byte[] mbText = Bytes.concat(MultibootImages.header(0x3), Bytes.pattern(0x80, 2));
        return Stream.of(
                Named.of("ELF32", ElfBuilder.elf32().entry(0x100010)
                        .load(0x100000, Bytes.pattern(0x80, 1), 0x400)
                        .load(0x110000, Bytes.pattern(0x40, 2), 0x40)
                        .segment(new ElfBuilder.Segment(ElfBuilder.PT_NOTE, 0, 0, new byte[8], 8)).build()),
                Named.of("ELF64", ElfBuilder.elf64().entry(0x100010)
                        .load(0x100000, Bytes.pattern(0x80, 1), 0x400)
                        .load(0x110000, Bytes.pattern(0x40, 2), 0x1000).build()),
                Named.of("Multiboot a.out", MultibootImages.aoutKernel(0x100000, Bytes.pattern(0x80, 3), 0x800)),
                Named.of("Multiboot ELF", ElfBuilder.elf32().entry(0x10000c).load(0x100000, mbText, 0x1000).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    @Timeout(60)
    void mutatedImagesLoadOrFailCleanly(byte[] seed) {
        ImageFormat natural = ImageLoader.load(memory, seed, request(ImageFormat.AUTO)).format();
        long seedValue = Long.getLong("javisor.fuzz.seed", Arrays.hashCode(seed));
        Random random = new Random(seedValue);
        int loaded = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] image = mutate(seed, random);
            for (ImageFormat format : new ImageFormat[] {ImageFormat.AUTO, natural}) {
                LoadRequest request = request(format);
                if (random.nextInt(4) == 0) {
                    request = request.withRamdisk(new byte[random.nextInt(0x3000)], Optional.empty());
                }
                try {
                    ImageLoader.load(memory, image, request);
                    loaded++;
                } catch (ImageException e) {
                    assertThat(e.getCause()).as("round %d: %s", round, e.getMessage()).isNull();
                    assertThat(e.getMessage()).isNotBlank();
                } catch (RuntimeException e) {
                    fail("seed " + seedValue + " round " + round + " (" + format + ") threw " + e + " for image " + hex(image), e);
                }
            }
        }
        assertThat(loaded).as("some mutants still load, so the fuzzing reaches the loaders").isPositive();
    }

    private static LoadRequest request(ImageFormat format) {
        return LoadRequest.of(format, GuestAddress.of(0x7c00), GuestAddress.of(0x7c00));
    }

    /** A few byte edits aimed mostly at the headers, sometimes a truncation or an interesting 32-bit value. */
    private static byte[] mutate(byte[] seed, Random random) {
        byte[] image = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            int span = random.nextInt(3) == 0 ? image.length : Math.min(image.length, 192);
            int at = random.nextInt(span);
            switch (random.nextInt(4)) {
                case 0 -> image[at] = (byte) random.nextInt(256);
                case 1 -> image[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> {
                    long[] interesting = {0, 1, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 0x100000, 0xfff,
                        image.length, 0x6000, 0x1_0000_0000L};
                    long v = interesting[random.nextInt(interesting.length)];
                    int width = random.nextBoolean() ? 4 : 8;
                    if (at + width <= image.length) {
                        image = Bytes.patch(image, at & ~3, Math.min(width, image.length - (at & ~3)), v);
                    }
                }
                default -> image = Arrays.copyOf(image, random.nextInt(image.length + 1));
            }
            if (image.length == 0) {
                break;
            }
        }
        return image;
    }

    private static String hex(byte[] image) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(image.length, 256); i++) {
            sb.append(String.format("%02x", image[i]));
        }
        return sb.toString();
    }
}
