package javisor.virtio.mmio;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import javisor.devices.BusDevice;
import javisor.memory.GuestMemory;
import javisor.sys.Logs;
import javisor.virtio.Activation;
import javisor.virtio.DeviceStatus;
import javisor.virtio.Doorbell;
import javisor.virtio.Interrupt;
import javisor.virtio.VirtioDevice;
import javisor.virtio.VirtioFeatures;
import javisor.virtio.queue.QueueException;
import javisor.virtio.queue.SplitQueue;

/**
 * The virtio-mmio transport, version 2 (virtio 1.2, 4.2 "Virtio Over MMIO"): the register block a driver finds at
 * the device's address, feature negotiation, the device status state machine (2.1, 3.1.1), queue set-up, the
 * interrupt status, and the device's config space at 0x100. Every register value comes from a possibly hostile
 * guest and is checked; nothing the guest writes can make the transport throw.
 *
 * <p>Register accesses come from vCPU threads, and the interrupt status also changes on the device's I/O
 * threads: the transport's state is guarded by this object; the device is activated and reset outside that lock
 * only as far as its own threads need.
 */
public final class VirtioMmioTransport implements BusDevice, AutoCloseable {
    private static final System.Logger LOG = Logs.get("javisor.virtio");

    /** Bytes of register block and config space the transport answers (a 4 KiB page holds it). */
    public static final int SIZE = 0x200;
    /** QueueNotify's offset: the address the doorbells' ioeventfds watch. */
    public static final int QUEUE_NOTIFY = 0x050;

    private static final int MAGIC_VALUE = 0x000;
    private static final int VERSION = 0x004;
    private static final int DEVICE_ID = 0x008;
    private static final int VENDOR_ID = 0x00c;
    private static final int DEVICE_FEATURES = 0x010;
    private static final int DEVICE_FEATURES_SEL = 0x014;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_SEL = 0x030;
    private static final int QUEUE_NUM_MAX = 0x034;
    private static final int QUEUE_NUM = 0x038;
    private static final int QUEUE_READY = 0x044;
    private static final int INTERRUPT_STATUS = 0x060;
    private static final int INTERRUPT_ACK = 0x064;
    private static final int STATUS = 0x070;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DESC_HIGH = 0x084;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DRIVER_HIGH = 0x094;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;
    private static final int QUEUE_DEVICE_HIGH = 0x0a4;
    private static final int SHM_LEN_LOW = 0x0b0;
    private static final int SHM_LEN_HIGH = 0x0b4;
    private static final int SHM_BASE_LOW = 0x0b8;
    private static final int SHM_BASE_HIGH = 0x0bc;
    private static final int CONFIG_GENERATION = 0x0fc;
    private static final int CONFIG = 0x100;

    /** "virt", little-endian (4.2.2). */
    private static final int MAGIC = 0x7472_6976;
    /** Version 2: the non-legacy interface. */
    private static final int MMIO_VERSION = 2;
    /** A vendor id of the device's own: "JVSR" would not fit 16 bits as PCI's do; any value is allowed here. */
    private static final int VENDOR = 0x4a56_5352;
    /** InterruptStatus bits (4.2.2): a used buffer notification, a configuration change notification. */
    private static final int INT_USED_BUFFER = 1;
    private static final int INT_CONFIG_CHANGE = 2;

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final Runnable irqEdge;
    private final List<SplitQueue> queues = new ArrayList<>();
    private final List<Doorbell> doorbells = new ArrayList<>();
    /** QueueNotify writes that reached Java through a vCPU exit: none while the ioeventfds catch them in KVM. */
    private final AtomicLong notifyExits = new AtomicLong();
    /**
     * Held through a whole status change or reset, the device's activate and reset calls included, so that two
     * vCPUs writing the status at once cannot interleave them (a reset between an activation and its bookkeeping
     * would leave a stopped device marked active). Register reads take only {@code this}.
     */
    private final Object transitions = new Object();
    private final Interrupt interrupt = new Interrupt() {
        @Override
        public void usedBuffers() {
            raise(INT_USED_BUFFER);
        }

        @Override
        public void configChanged() {
            raise(INT_CONFIG_CHANGE);
        }

        @Override
        public void needsReset() {
            // Status and interrupt status change together: a driver that sees the one sees the other.
            synchronized (VirtioMmioTransport.this) {
                status |= DeviceStatus.DEVICE_NEEDS_RESET;
                interruptStatus |= INT_CONFIG_CHANGE;
            }
            LOG.log(Level.WARNING, "{0}: the device needs a reset", name);
            irqEdge.run();
        }
    };

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int interruptStatus;
    private int configGeneration;
    private boolean active;

    /**
     * @param name   the device as messages name it ("virtio-blk vda of VM 1 (linux)")
     * @param irqEdge raises the device's interrupt once, an edge (an irqfd write under KVM: no ioctl, no lock)
     */
    public VirtioMmioTransport(String name, VirtioDevice device, GuestMemory memory, Runnable irqEdge) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.irqEdge = irqEdge;
        List<Integer> sizes = device.queueSizes();
        for (int i = 0; i < sizes.size(); i++) {
            queues.add(new SplitQueue(i, sizes.get(i)));
            doorbells.add(new Doorbell());
        }
    }

    public VirtioDevice device() {
        return device;
    }

    /**
     * How many QueueNotify writes came through a vCPU's MMIO exit rather than an ioeventfd: 0 shows that the
     * doorbells never reached Java on a vCPU thread (a write with a value no ioeventfd matches still does).
     */
    public long notifyExits() {
        return notifyExits.get();
    }

    /** The queues' doorbells, by queue index: under KVM, each is bound to QueueNotify with its index as datamatch. */
    public List<Doorbell> doorbells() {
        return List.copyOf(doorbells);
    }

    /** The features the driver accepted (what it wrote; in force once it set FEATURES_OK). */
    public synchronized long negotiatedFeatures() {
        return driverFeatures;
    }

    /** The status the driver set, for {@code vm show}. */
    public synchronized int status() {
        return status;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) {
            return readConfig(offset - CONFIG, size);
        }
        if (size != 4 || (offset & 3) != 0) {
            return 0; // registers are 32 bits wide and aligned (4.2.2.2: the driver MUST use 32-bit accesses)
        }
        return Integer.toUnsignedLong(switch ((int) offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> MMIO_VERSION;
            case DEVICE_ID -> device.type().id();
            case VENDOR_ID -> VENDOR;
            // The selector is a u32: only 0 and 1 name a word (a negative int is a large selector, not a shift).
            case DEVICE_FEATURES -> !featureWord(deviceFeaturesSel) ? 0
                    : (int) (device.offeredFeatures() >>> (32 * deviceFeaturesSel));
            case QUEUE_NUM_MAX -> selected() == null ? 0 : selected().maxSize();
            case QUEUE_READY -> selected() != null && selected().ready() ? 1 : 0;
            case INTERRUPT_STATUS -> interruptStatus;
            case STATUS -> status;
            case SHM_LEN_LOW, SHM_LEN_HIGH, SHM_BASE_LOW, SHM_BASE_HIGH -> -1; // no shared memory regions (4.2.2)
            case CONFIG_GENERATION -> configGeneration;
            default -> 0;
        });
    }

    private long readConfig(long offset, int size) {
        if (offset + size > device.configSize() || (size != 1 && size != 2 && size != 4 && size != 8)) {
            return 0;
        }
        return device.readConfig((int) offset, size);
    }

    /** The queue QueueSel names, or null; QueueSel is a u32, so 0x8000_0000 and up are no queue either. */
    private SplitQueue selected() {
        return Integer.toUnsignedLong(queueSel) < queues.size() ? queues.get(queueSel) : null;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= CONFIG) {
            if (offset - CONFIG + size <= device.configSize()) {
                device.writeConfig((int) (offset - CONFIG), size, value);
            }
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            return;
        }
        int v = (int) value;
        if (offset == QUEUE_NOTIFY) {
            notifyExits.incrementAndGet();
            // Without an ioeventfd the write comes here: ring the queue's doorbell. Not under the lock: the I/O
            // thread may hold nothing of ours, but the ring should not wait behind a status change either.
            if (v >= 0 && v < doorbells.size()) {
                doorbells.get(v).ring();
            }
            return;
        }
        if (offset == STATUS) {
            writeStatus(v);
            return;
        }
        synchronized (this) {
            switch ((int) offset) {
                case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
                case DRIVER_FEATURES -> writeDriverFeatures(v);
                case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
                case QUEUE_SEL -> queueSel = v;
                case QUEUE_NUM -> ifConfigurable(q -> q.setSize(v));
                case QUEUE_READY -> ifConfigurable(q -> q.setReady(v == 1));
                case QUEUE_DESC_LOW -> ifConfigurable(q -> q.setDescriptorTable(low(q.descriptorTable(), v)));
                case QUEUE_DESC_HIGH -> ifConfigurable(q -> q.setDescriptorTable(high(q.descriptorTable(), v)));
                case QUEUE_DRIVER_LOW -> ifConfigurable(q -> q.setAvailableRing(low(q.availableRing(), v)));
                case QUEUE_DRIVER_HIGH -> ifConfigurable(q -> q.setAvailableRing(high(q.availableRing(), v)));
                case QUEUE_DEVICE_LOW -> ifConfigurable(q -> q.setUsedRing(low(q.usedRing(), v)));
                case QUEUE_DEVICE_HIGH -> ifConfigurable(q -> q.setUsedRing(high(q.usedRing(), v)));
                case INTERRUPT_ACK -> interruptStatus &= ~v;
                default -> {
                    // read-only or reserved: a write changes nothing
                }
            }
        }
    }

    private static long low(long old, int v) {
        return (old & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(v);
    }

    private static long high(long old, int v) {
        return (old & 0xffff_ffffL) | ((long) v << 32);
    }

    /** Queue registers change only before DRIVER_OK (4.2.3.2): afterwards the device is using the queue. */
    private void ifConfigurable(Consumer<SplitQueue> change) {
        SplitQueue q = selected();
        if (q != null && (status & DeviceStatus.DRIVER_OK) == 0) {
            change.accept(q);
        }
    }

    /** Whether a features selector names one of the two 32-bit words of the 64 feature bits (4.2.2). */
    private static boolean featureWord(int sel) {
        return sel == 0 || sel == 1;
    }

    /** Driver features are accepted only while negotiating, and only those the device offered (2.2). */
    private void writeDriverFeatures(int v) {
        if (!featureWord(driverFeaturesSel) || (status & DeviceStatus.FEATURES_OK) != 0) {
            return;
        }
        long mask = 0xffff_ffffL << (32 * driverFeaturesSel);
        driverFeatures = (driverFeatures & ~mask) | ((Integer.toUnsignedLong(v) << (32 * driverFeaturesSel)) & mask);
    }

    /**
     * The status state machine (2.1, 3.1.1): 0 resets; bits are only ever added; FEATURES_OK stays clear unless
     * the driver's features are a subset of the device's and include VERSION_1 (a legacy driver is refused);
     * DRIVER_OK starts the device once its queues check out, else the device asks for a reset.
     */
    private void writeStatus(int value) {
        synchronized (transitions) {
            changeStatus(value);
        }
    }

    private void changeStatus(int value) {
        int v = value & 0xff;
        Activation start = null;
        boolean doReset = false;
        synchronized (this) {
            if (v == 0) {
                doReset = true;
            } else if ((v & status) != status) {
                return; // the driver MUST NOT clear a bit (2.1.2); ignore it
            } else {
                int added = v & ~status;
                if ((added & DeviceStatus.FEATURES_OK) != 0 && !featuresAcceptable()) {
                    added &= ~DeviceStatus.FEATURES_OK;
                }
                if ((added & DeviceStatus.DRIVER_OK) != 0) {
                    int after = status | added;
                    if ((after & DeviceStatus.FEATURES_OK) == 0 || (after & DeviceStatus.FAILED) != 0) {
                        added &= ~DeviceStatus.DRIVER_OK; // DRIVER_OK before FEATURES_OK: not yet (3.1.1)
                    } else {
                        start = activation();
                        if (start == null) {
                            added &= ~DeviceStatus.DRIVER_OK;
                            added |= DeviceStatus.DEVICE_NEEDS_RESET;
                        }
                    }
                }
                status |= added;
            }
        }
        if (doReset) {
            reset();
        } else if (start != null) {
            device.activate(start);
            synchronized (this) {
                active = true;
            }
        } else if ((status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0) {
            interrupt.configChanged();
        }
    }

    private boolean featuresAcceptable() {
        long offered = device.offeredFeatures();
        if ((driverFeatures & ~offered) != 0) {
            LOG.log(Level.DEBUG, "{0}: the driver took features 0x{1} the device did not offer", name,
                    Long.toHexString(driverFeatures & ~offered));
            return false;
        }
        return (driverFeatures & VirtioFeatures.VERSION_1) != 0;
    }

    /** The activation for DRIVER_OK, or null (and a message) when a ready queue's layout is bad. */
    private Activation activation() {
        boolean eventIdx = (driverFeatures & VirtioFeatures.EVENT_IDX) != 0;
        boolean indirect = (driverFeatures & VirtioFeatures.INDIRECT_DESC) != 0;
        for (SplitQueue q : queues) {
            q.setFeatures(eventIdx, indirect);
            if (q.ready()) {
                try {
                    q.check(memory);
                } catch (QueueException e) {
                    LOG.log(Level.WARNING, "{0}: {1}; the device needs a reset", name, e.getMessage());
                    return null;
                }
            }
        }
        return new Activation(memory, queues, doorbells, driverFeatures, interrupt);
    }

    /** A device reset (2.4): the device stops, then every register goes back to its initial value. */
    public void reset() {
        synchronized (transitions) {
            resetDevice();
        }
    }

    private void resetDevice() {
        boolean wasActive;
        synchronized (this) {
            wasActive = active;
            active = false;
        }
        if (wasActive) {
            device.reset();
        }
        synchronized (this) {
            status = 0;
            deviceFeaturesSel = 0;
            driverFeaturesSel = 0;
            driverFeatures = 0;
            queueSel = 0;
            interruptStatus = 0;
            queues.forEach(SplitQueue::reset);
        }
    }

    /** The config space changed (a console resized): the driver rereads it. */
    public void configChanged() {
        synchronized (this) {
            configGeneration++;
        }
        interrupt.configChanged();
    }

    private void raise(int why) {
        synchronized (this) {
            interruptStatus |= why;
        }
        irqEdge.run();
    }

    @Override
    public void close() {
        reset();
        device.close();
        doorbells.forEach(Doorbell::close);
    }
}
