package javisor.memory;

/**
 * AxVisor's MappingFlags for a memory region: R=1 W=2 X=4 U=8 DEVICE=0x10. Under KVM a region without W
 * is mapped read-only (KVM_MEM_READONLY: guest writes exit to the MMIO bus), and a DEVICE region gets no
 * RAM at all, so every access to it reaches the MMIO bus.
 */
public record RegionFlags(int bits) {
    public static final int READ = 0x1;
    public static final int WRITE = 0x2;
    public static final int EXECUTE = 0x4;
    public static final int USER = 0x8;
    public static final int DEVICE = 0x10;
    public static final int ALL = READ | WRITE | EXECUTE | USER | DEVICE;

    public static final RegionFlags RWX = new RegionFlags(READ | WRITE | EXECUTE);

    public RegionFlags {
        if ((bits & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown region flag bits 0x" + Integer.toHexString(bits & ~ALL)
                    + " (known: R=1 W=2 X=4 U=8 DEVICE=0x10)");
        }
    }

    public boolean writable() {
        return (bits & WRITE) != 0;
    }

    public boolean device() {
        return (bits & DEVICE) != 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append((bits & READ) != 0 ? 'r' : '-').append(writable() ? 'w' : '-')
                .append((bits & EXECUTE) != 0 ? 'x' : '-').append((bits & USER) != 0 ? 'u' : '-');
        if (device()) {
            sb.append(" device");
        }
        return sb.toString();
    }
}
