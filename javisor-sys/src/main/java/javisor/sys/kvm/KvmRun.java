package javisor.sys.kvm;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static javisor.sys.kvm.KvmStructs.KVM_RUN;

/**
 * A vCPU's shared kvm_run page: KVM writes the exit here and reads I/O and MMIO answers back. Every field
 * read or written goes through a bounds-checked segment the size of the mapping.
 */
public final class KvmRun {
    private static long off(String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return KVM_RUN.byteOffset(elements);
    }

    /** The data of port I/O and MMIO exits is the guest's, little-endian, wherever this runs. */
    private static final ValueLayout.OfShort LE_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long IMMEDIATE_EXIT = off("immediate_exit");
    private static final long EXIT_REASON = off("exit_reason");
    private static final long IO_DIRECTION = off("exit", "io", "direction");
    private static final long IO_SIZE = off("exit", "io", "size");
    private static final long IO_PORT = off("exit", "io", "port");
    private static final long IO_COUNT = off("exit", "io", "count");
    private static final long IO_DATA_OFFSET = off("exit", "io", "data_offset");
    private static final long MMIO_PHYS_ADDR = off("exit", "mmio", "phys_addr");
    private static final long MMIO_DATA = off("exit", "mmio", "data");
    private static final long MMIO_LEN = off("exit", "mmio", "len");
    private static final long MMIO_IS_WRITE = off("exit", "mmio", "is_write");
    private static final long FAIL_ENTRY_REASON = off("exit", "fail_entry", "hardware_entry_failure_reason");
    private static final long INTERNAL_SUBERROR = off("exit", "internal", "suberror");
    private static final long INTERNAL_NDATA = off("exit", "internal", "ndata");
    private static final long INTERNAL_DATA = off("exit", "internal", "data");
    private static final long EMULATION_FLAGS = off("exit", "emulation_failure", "flags");
    private static final long EMULATION_INSN_SIZE = off("exit", "emulation_failure", "insn_size");
    private static final long EMULATION_INSN_BYTES = off("exit", "emulation_failure", "insn_bytes");
    private static final long SYSTEM_EVENT_TYPE = off("exit", "system_event", "type");
    private static final long VALID_REGS = off("kvm_valid_regs");
    private static final long DIRTY_REGS = off("kvm_dirty_regs");
    private static final long SYNCED_REGS = off("s", "regs", "regs");

    private final MemorySegment run;

    KvmRun(MemorySegment run) {
        if (run.byteSize() < KVM_RUN.byteSize()) {
            throw new IllegalArgumentException("kvm_run mapping of " + run.byteSize() + " bytes is too small");
        }
        this.run = run;
    }

    public void setImmediateExit(boolean exit) {
        run.set(JAVA_BYTE, IMMEDIATE_EXIT, (byte) (exit ? 1 : 0));
    }

    public int exitReason() {
        return run.get(JAVA_INT_UNALIGNED, EXIT_REASON);
    }

    public int ioDirection() {
        return run.get(JAVA_BYTE, IO_DIRECTION);
    }

    public int ioSize() {
        return run.get(JAVA_BYTE, IO_SIZE);
    }

    public int ioPort() {
        return Short.toUnsignedInt(run.get(JAVA_SHORT_UNALIGNED, IO_PORT));
    }

    public int ioCount() {
        return run.get(JAVA_INT_UNALIGNED, IO_COUNT);
    }

    /** Offset of the I/O data inside the kvm_run mapping; KVM sets it, so it is checked before use. */
    public long ioDataOffset() {
        return run.get(JAVA_LONG_UNALIGNED, IO_DATA_OFFSET);
    }

    /** Reads {@code size} bytes (1 to 8) at {@code offset} of the mapping, little-endian, zero-extended. */
    public long readData(long offset, int size) {
        // One access for the sizes port I/O and MMIO use, not one bounds-checked access a byte: this is every exit.
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(run.get(LE_SHORT, offset));
            case 4 -> Integer.toUnsignedLong(run.get(LE_INT, offset));
            case 8 -> run.get(LE_LONG, offset);
            default -> {
                long value = 0;
                for (int i = size - 1; i >= 0; i--) {
                    value = (value << 8) | Byte.toUnsignedLong(run.get(JAVA_BYTE, offset + i));
                }
                yield value;
            }
        };
    }

    /** Writes the low {@code size} bytes (1 to 8) of {@code value} at {@code offset} of the mapping, little-endian. */
    public void writeData(long offset, int size, long value) {
        switch (size) {
            case 1 -> run.set(JAVA_BYTE, offset, (byte) value);
            case 2 -> run.set(LE_SHORT, offset, (short) value);
            case 4 -> run.set(LE_INT, offset, (int) value);
            case 8 -> run.set(LE_LONG, offset, value);
            default -> {
                for (int i = 0; i < size; i++) {
                    run.set(JAVA_BYTE, offset + i, (byte) (value >>> (8 * i)));
                }
            }
        }
    }

    public long mmioPhysAddr() {
        return run.get(JAVA_LONG_UNALIGNED, MMIO_PHYS_ADDR);
    }

    public int mmioLen() {
        return run.get(JAVA_INT_UNALIGNED, MMIO_LEN);
    }

    public boolean mmioIsWrite() {
        return run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0;
    }

    public static long mmioDataOffset() {
        return MMIO_DATA;
    }

    public long failEntryReason() {
        return run.get(JAVA_LONG_UNALIGNED, FAIL_ENTRY_REASON);
    }

    public int internalSuberror() {
        return run.get(JAVA_INT_UNALIGNED, INTERNAL_SUBERROR);
    }

    /** The internal-error data words KVM supplied (at most 16). */
    public long[] internalData() {
        int n = Math.clamp(run.get(JAVA_INT_UNALIGNED, INTERNAL_NDATA), 0, 16);
        long[] data = new long[n];
        for (int i = 0; i < n; i++) {
            data[i] = run.get(JAVA_LONG_UNALIGNED, INTERNAL_DATA + 8L * i);
        }
        return data;
    }

    /** Instruction bytes KVM attached to an emulation failure, or an empty array when it gave none. */
    public byte[] emulationFailureBytes() {
        if ((run.get(JAVA_LONG_UNALIGNED, EMULATION_FLAGS)
                & KvmConstants.INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) == 0
                || run.get(JAVA_INT_UNALIGNED, INTERNAL_NDATA) < 2) {
            return new byte[0];
        }
        int n = Math.clamp(Byte.toUnsignedInt(run.get(JAVA_BYTE, EMULATION_INSN_SIZE)), 0, 15);
        return run.asSlice(EMULATION_INSN_BYTES, n).toArray(JAVA_BYTE);
    }

    /**
     * Asks KVM to copy the general registers here at every exit (KVM_CAP_SYNC_REGS, which the caller has
     * checked), so that reading them costs no ioctl.
     */
    void syncRegisters() {
        run.set(JAVA_LONG_UNALIGNED, VALID_REGS, (long) KvmConstants.SYNC_X86_REGS);
    }

    /** The general registers: as KVM left them at the exit, or as {@link #setSyncedReg} set them since. */
    Regs syncedRegs() {
        return Regs.read(run.asSlice(SYNCED_REGS, KvmStructs.KVM_REGS.byteSize()));
    }

    /** One general register as {@link #syncedRegs} has it, read in place. */
    long syncedReg(Regs.Reg reg) {
        return run.get(JAVA_LONG_UNALIGNED, SYNCED_REGS + 8L * reg.ordinal());
    }

    /**
     * Sets one general register for the next entry, the others as they are here (the exit's, when nothing set them
     * since): KVM takes them all from here. One write instead of the whole set.
     */
    void setSyncedReg(Regs.Reg reg, long value) {
        run.set(JAVA_LONG_UNALIGNED, SYNCED_REGS + 8L * reg.ordinal(), value);
        run.set(JAVA_LONG_UNALIGNED, DIRTY_REGS, run.get(JAVA_LONG_UNALIGNED, DIRTY_REGS)
                | KvmConstants.SYNC_X86_REGS);
    }

    /** Whether registers set by {@link #setSyncedReg} wait for the next entry. */
    boolean syncedRegsPending() {
        return (run.get(JAVA_LONG_UNALIGNED, DIRTY_REGS) & KvmConstants.SYNC_X86_REGS) != 0;
    }

    /** Drops registers set by {@link #setSyncedReg}: a KVM_SET_REGS since then has the last word. */
    void dropSyncedRegs() {
        run.set(JAVA_LONG_UNALIGNED, DIRTY_REGS, 0L);
    }

    public int systemEventType() {
        return run.get(JAVA_INT_UNALIGNED, SYSTEM_EVENT_TYPE);
    }

    public long byteSize() {
        return run.byteSize();
    }
}
