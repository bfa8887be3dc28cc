package javisor.vm.platform;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/**
 * Reads ACPI and MP tables back from guest memory the way an OS finds them: by scanning the BIOS area for
 * the signatures, checking every checksum, and following the pointers. Written from the specifications,
 * independently of the builders, so a test that agrees with it checks the bytes, not the builder against
 * itself.
 */
final class FirmwareReader {
    private final GuestMemory memory;

    FirmwareReader(GuestMemory memory) {
        this.memory = memory;
    }

    int u8(long a) {
        return memory.readU8(GuestAddress.of(a));
    }

    int u16(long a) {
        return memory.readU16(GuestAddress.of(a)) & 0xffff;
    }

    long u32(long a) {
        return Integer.toUnsignedLong(memory.readU32(GuestAddress.of(a)));
    }

    long u64(long a) {
        return memory.readU64(GuestAddress.of(a));
    }

    String ascii(long a, int n) {
        return new String(memory.read(GuestAddress.of(a), n), StandardCharsets.US_ASCII);
    }

    /** The sum of {@code n} bytes from {@code a}, mod 256: 0 for a valid checksum. */
    int sum(long a, int n) {
        int s = 0;
        for (byte b : memory.read(GuestAddress.of(a), n)) {
            s += b;
        }
        return s & 0xff;
    }

    // ---- ACPI ----

    record Rsdp(long address, String oemId, int revision, long rsdt, long length, long xsdt) {
    }

    record Table(String signature, long address, long length, int revision, String oemId, String oemTableId) {
    }

    /** ACPI 6.5, 5.2.5.1: the RSDP is on a 16-byte boundary of 0xe0000-0xfffff, with a valid checksum. */
    Optional<Rsdp> findRsdp() {
        for (long a = 0xe0000; a < 0x100000; a += 16) {
            if (ascii(a, 8).equals("RSD PTR ") && sum(a, 20) == 0) {
                if (u8(a + 15) >= 2 && sum(a, (int) u32(a + 20)) != 0) {
                    throw new AssertionError("RSDP at 0x" + Long.toHexString(a) + ": extended checksum is wrong");
                }
                return Optional.of(new Rsdp(a, ascii(a + 9, 6), u8(a + 15), u32(a + 16), u32(a + 20), u64(a + 24)));
            }
        }
        return Optional.empty();
    }

    Table table(long a) {
        long length = u32(a + 4);
        if (sum(a, (int) length) != 0) {
            throw new AssertionError("table " + ascii(a, 4) + " at 0x" + Long.toHexString(a) + ": bad checksum");
        }
        return new Table(ascii(a, 4), a, length, u8(a + 8), ascii(a + 10, 6), ascii(a + 16, 8));
    }

    /** The tables the XSDT lists, by signature, plus the DSDT the FADT points at. */
    Map<String, Table> tables(Rsdp rsdp) {
        Table xsdt = table(rsdp.xsdt());
        if (!xsdt.signature().equals("XSDT")) {
            throw new AssertionError("XsdtAddress does not point at an XSDT");
        }
        Map<String, Table> out = new LinkedHashMap<>();
        out.put("XSDT", xsdt);
        for (long p = xsdt.address() + 36; p < xsdt.address() + xsdt.length(); p += 8) {
            Table t = table(u64(p));
            out.put(t.signature(), t);
        }
        Table fadt = out.get("FACP");
        if (fadt != null) {
            long xdsdt = u64(fadt.address() + 140);
            out.put("DSDT", table(xdsdt != 0 ? xdsdt : u32(fadt.address() + 40)));
        }
        return out;
    }

    sealed interface MadtEntry {
        record LocalApic(int uid, int apicId, long flags) implements MadtEntry {
        }

        record IoApic(int id, long address, long gsiBase) implements MadtEntry {
        }

        record LocalApicNmi(int uid, int flags, int lint) implements MadtEntry {
        }

        record LocalX2Apic(long x2apicId, long flags, long uid) implements MadtEntry {
        }

        record LocalX2ApicNmi(int flags, long uid, int lint) implements MadtEntry {
        }

        record Other(int type, int length) implements MadtEntry {
        }
    }

    record Madt(long lapicAddress, long flags, List<MadtEntry> entries) {
    }

    Madt madt(Table t) {
        List<MadtEntry> entries = new ArrayList<>();
        long end = t.address() + t.length();
        for (long p = t.address() + 44; p < end; ) {
            int type = u8(p);
            int len = u8(p + 1);
            if (len < 2 || p + len > end) {
                throw new AssertionError("MADT entry at 0x" + Long.toHexString(p) + " has length " + len);
            }
            entries.add(switch (type) {
                case 0 -> new MadtEntry.LocalApic(u8(p + 2), u8(p + 3), u32(p + 4));
                case 1 -> new MadtEntry.IoApic(u8(p + 2), u32(p + 4), u32(p + 8));
                case 4 -> new MadtEntry.LocalApicNmi(u8(p + 2), u16(p + 3), u8(p + 5));
                case 9 -> new MadtEntry.LocalX2Apic(u32(p + 4), u32(p + 8), u32(p + 12));
                case 10 -> new MadtEntry.LocalX2ApicNmi(u16(p + 2), u32(p + 4), u8(p + 8));
                default -> new MadtEntry.Other(type, len);
            });
            p += len;
        }
        return new Madt(u32(t.address() + 36), u32(t.address() + 40), entries);
    }

    // ---- MP ----

    record MpFloating(long address, long tableAddress, int length, int specRev, int feature1, int feature2) {
    }

    record MpConfig(long address, int baseLength, int specRev, String oemId, String productId, int entryCount,
                    long lapicAddress, List<MpEntry> entries) {
    }

    sealed interface MpEntry {
        record Processor(int apicId, int apicVersion, int flags, long signature, long features) implements MpEntry {
        }

        record Bus(int id, String type) implements MpEntry {
        }

        record IoApic(int id, int version, int flags, long address) implements MpEntry {
        }

        record IoInterrupt(int type, int flags, int bus, int busIrq, int ioapic, int intin) implements MpEntry {
        }

        record LocalInterrupt(int type, int flags, int bus, int busIrq, int lapic, int lint) implements MpEntry {
        }
    }

    /** MP spec 1.4, 4.1: "_MP_" on a 16-byte boundary, 16 bytes summing to zero, in the BIOS ROM area. */
    Optional<MpFloating> findMpFloatingPointer() {
        for (long[] area : new long[][] {{0x9fc00, 0xa0000}, {0xf0000, 0x100000}}) {
            for (long a = area[0]; a < area[1]; a += 16) {
                if (memory.contains(GuestAddress.of(a), 16) && ascii(a, 4).equals("_MP_") && sum(a, 16) == 0) {
                    return Optional.of(new MpFloating(a, u32(a + 4), u8(a + 8), u8(a + 9), u8(a + 11), u8(a + 12)));
                }
            }
        }
        return Optional.empty();
    }

    MpConfig mpConfig(long a) {
        if (!ascii(a, 4).equals("PCMP")) {
            throw new AssertionError("no PCMP signature at 0x" + Long.toHexString(a));
        }
        int length = u16(a + 4);
        if (sum(a, length) != 0) {
            throw new AssertionError("MP configuration table checksum is wrong");
        }
        int count = u16(a + 34);
        List<MpEntry> entries = new ArrayList<>();
        long p = a + 44;
        for (int i = 0; i < count; i++) {
            int type = u8(p);
            switch (type) {
                case 0 -> {
                    entries.add(new MpEntry.Processor(u8(p + 1), u8(p + 2), u8(p + 3), u32(p + 4), u32(p + 8)));
                    p += 20;
                }
                case 1 -> {
                    entries.add(new MpEntry.Bus(u8(p + 1), ascii(p + 2, 6)));
                    p += 8;
                }
                case 2 -> {
                    entries.add(new MpEntry.IoApic(u8(p + 1), u8(p + 2), u8(p + 3), u32(p + 4)));
                    p += 8;
                }
                case 3 -> {
                    entries.add(new MpEntry.IoInterrupt(u8(p + 1), u16(p + 2), u8(p + 4), u8(p + 5), u8(p + 6),
                            u8(p + 7)));
                    p += 8;
                }
                case 4 -> {
                    entries.add(new MpEntry.LocalInterrupt(u8(p + 1), u16(p + 2), u8(p + 4), u8(p + 5), u8(p + 6),
                            u8(p + 7)));
                    p += 8;
                }
                default -> throw new AssertionError("unknown MP entry type " + type);
            }
        }
        if (p != a + length) {
            throw new AssertionError("MP entries end at 0x" + Long.toHexString(p) + ", the header says 0x"
                    + Long.toHexString(a + length));
        }
        return new MpConfig(a, length, u8(a + 6), ascii(a + 8, 8), ascii(a + 16, 12), count, u32(a + 36), entries);
    }
}
