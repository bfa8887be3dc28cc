package javisor.vmm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * virtio-blk driven by a hostile guest on real KVM: guests/src/virtio_blk.c makes every request type and every
 * malformed chain it can think of against a read-write disk, a read-only disk and a page of read-only guest
 * memory; afterwards the image files must hold exactly what the guest wrote and flushed, and nothing else.
 */
@Timeout(120)
@Tag("kvm")
class VirtioBlockGuestTest {
    private static final int SECTORS = 8192;            // the read-write disk: 4 MiB
    private static final int RO_SECTORS = 2048;         // the read-only disk: 1 MiB
    private static final int RO_MASK = 0x55aa55aa;      // virtio_blk.c's RO_MASK
    private static final long ROM = 0x100_0000;         // the read-only page, right after 16 MiB of RAM
    private static final int PASS = 0x72;

    @TempDir
    Path tmp;

    @BeforeEach
    void kvm() {
        TestGuests.requireKvm();
    }

    /** virtio_blk.c's disk_word: 32-bit word k of a fresh disk, XORed with {@code mask}. */
    private static byte[] pattern(int sectors, int mask) {
        ByteBuffer b = ByteBuffer.allocate(sectors * 512).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < sectors * 128; k++) {
            b.putInt((int) (k * 2654435761L + 0x4a56) ^ mask);
        }
        return b.array();
    }

    /** virtio_blk.c's wr_word over sectors [from, from + count): what the guest writes there. */
    private static void written(byte[] image, int from, int count) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = from * 128; k < (from + count) * 128; k++) {
            b.putInt(k * 4, (k * 0x01000193) ^ 0xdeadbeef);
        }
    }

    private static void zero(byte[] image, int from, int count) {
        Arrays.fill(image, from * 512, (from + count) * 512, (byte) 0);
    }

    @Test
    void aHostileGuestGetsEveryDocumentedAnswerAndTheImagesHoldExactlyWhatItWrote() throws IOException {
        byte[] disk = pattern(SECTORS, 0);
        byte[] roDisk = pattern(RO_SECTORS, RO_MASK);
        byte[] rom = new byte[0x1000];
        for (int i = 0; i < rom.length; i++) {
            rom[i] = (byte) (i * 7 + 3);
        }
        Path diskFile = Files.write(tmp.resolve("disk.img"), disk);
        Path roFile = Files.write(tmp.resolve("ro.img"), roDisk);
        Path romFile = Files.write(tmp.resolve("rom.bin"), rom);
        Path cfg = GuestToml.of(1, "virtio_blk.elf")
                .regions(GuestToml.SIXTEEN_MIB + ", [0x1000000, 0x1000, 0x1, 2, \"" + romFile + "\"]")
                .cmdline("blk=0xd0000000 gsi=16 ro=0xd0001000 rogsi=17 rom=0x" + Long.toHexString(ROM) + " sectors="
                        + SECTORS + " timeout=20000")
                .devices("""
                        emu_devices = [
                            ["vda", 0xd000_0000, 0x1000, 16, 0xE1, [], "%s"],
                            { name = "vdb", base_gpa = 0xd000_1000, length = 0x1000, irq_id = 17, emu_type = 0xE1,
                              cfg_list = [], path = "%s", read_only = true },
                        ]""".formatted(diskFile, roFile))
                .write(tmp, "vm.toml");

        CliRun r = CliRun.of("run", cfg.toString());

        assertThat(r.out()).as(r.err()).doesNotContain("FAIL").contains("virtio_blk: passed\n")
                .contains("id \"vda\"\n").contains("capacity " + SECTORS + " sectors");
        // Each group of checks ran (none skipped for a missing feature or command-line word).
        for (String check : List.of("legacy_driver_refused", "unoffered_feature_refused", "get_id", "read_two_buffers",
                "write_three_buffers", "flush", "discarded_reads_zero", "write_zeroes_unmap_reads_zero",
                "unsupported_type", "read_past_end", "read_sector_2^64-1", "write_past_end", "discard_with_unmap_flag",
                "ro_offers_ro", "ro_write_refused", "ro_discard_refused", "ro_unchanged",
                "buffer_outside_ram", "buffer_wrapping_the_address_space", "buffer_on_the_device_registers",
                "chain_loops", "chain_longer_than_the_queue", "next_outside_the_queue",
                "chain_as_long_as_the_queue_data", "header_of_8_bytes", "header_in_two_descriptors",
                "status_device_readable_after_data", "status_device_readable", "status_of_0_bytes",
                "head_outside_the_queue_skipped", "indirect_data", "indirect_with_next",
                "indirect_in_an_indirect_table", "indirect_table_of_40_bytes", "indirect_table_outside_ram",
                "indirect_chain_loops", "indirect_next_outside_the_table", "read_into_read_only_memory",
                "read_only_memory_unchanged", "status_in_read_only_memory", "write_from_read_only_memory",
                "rings_outside_ram", "descriptor_table_misaligned", "used_ring_misaligned",
                "queue_size_not_a_power_of_two", "queue_size_above_the_maximum", "used_ring_in_read_only_memory",
                "available_index_far_ahead", "available_index_far_ahead_config_interrupt",
                "good_after_available_index_far_ahead", "reset_with_a_request_in_flight",
                "good_after_reset_with_a_request_in_flight", "interrupts_taken")) {
            assertThat(r.out()).contains("ok " + check + "\n");
        }
        assertThat(r.status()).as(r.err()).isEqualTo((PASS << 1) | 1);

        written(disk, 100, 12);
        zero(disk, 200, 16);
        zero(disk, 300, 8);
        zero(disk, 320, 4);
        System.arraycopy(rom, 0, disk, 400 * 512, 512);
        byte[] after = Files.readAllBytes(diskFile);
        assertThat(after).hasSize(SECTORS * 512);
        assertThat(firstDifference(after, disk)).as("first differing byte of the read-write image").isEqualTo(-1);
        assertThat(Files.readAllBytes(roFile)).as("the read-only image").isEqualTo(roDisk);
        assertThat(Files.readAllBytes(romFile)).as("the read-only memory's backing file").isEqualTo(rom);
    }

    private static int firstDifference(byte[] a, byte[] b) {
        return Arrays.mismatch(a, b);
    }
}
