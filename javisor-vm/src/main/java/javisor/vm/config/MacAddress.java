package javisor.vm.config;

import java.util.Arrays;
import java.util.HexFormat;

/** A guest's Ethernet address, written {@code 02:4a:56:00:01:00}; a unicast one (a multicast address is no NIC's). */
public record MacAddress(byte[] bytes) {
    public MacAddress {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("expected 6 bytes, got " + bytes.length);
        }
        if ((bytes[0] & 1) != 0) {
            throw new IllegalArgumentException("expected a unicast MAC address, got " + format(bytes)
                    + ", a multicast one (the first byte is odd)");
        }
        bytes = bytes.clone();
    }

    /**
     * Parses six two-digit hex numbers separated by colons.
     *
     * @throws IllegalArgumentException naming what was wrong
     */
    public static MacAddress parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6 || !Arrays.stream(parts).allMatch(p -> p.matches("[0-9a-fA-F]{2}"))) {
            throw new IllegalArgumentException("expected a MAC address such as \"02:4a:56:00:01:00\", got \"" + text
                    + "\"");
        }
        return new MacAddress(HexFormat.of().parseHex(String.join("", parts)));
    }

    /**
     * The address Javisor gives a VM's {@code index}th network device when its config names none: locally
     * administered (0x02), "JV" (0x4a 0x56), then the VM id and the index, so two VMs of one host differ.
     */
    public static MacAddress of(long vmId, int index) {
        return new MacAddress(new byte[] {2, 0x4a, 0x56, (byte) (vmId >> 8), (byte) vmId, (byte) index});
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return format(bytes);
    }

    private static String format(byte[] b) {
        return HexFormat.ofDelimiter(":").formatHex(b);
    }
}
