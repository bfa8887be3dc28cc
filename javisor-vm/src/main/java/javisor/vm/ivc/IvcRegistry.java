package javisor.vmm;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.LongFunction;

import javisor.sys.HostMapping;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.vm.IvcWindow;
import javisor.vm.Vm;
import javisor.vm.hypercall.HypercallError;
import javisor.vm.hypercall.IvcService;

import static javisor.vm.hypercall.HypercallError.fail;

/**
 * The inter-VM channels (AxVisor's ivc.rs, without its bugs): channels keyed by publisher VM id and key, each a
 * memfd mapped as a KVM memory slot into every participant's IVC window. Every state change happens under this
 * registry's lock, and every check is made before anything changes, so a failed call leaves things as they were.
 */
final class IvcRegistry implements IvcService {
    private static final System.Logger LOG = Logs.get("javisor.vmm");
    /** AxVisor's channel header: publisher VM id and key, 8 bytes each. */
    static final int HEADER_SIZE = 16;

    /** Where one participant sees a channel. */
    record Mapping(long address, int slot) {
    }

    record ChannelKey(long publisherId, long key) implements Comparable<ChannelKey> {
        @Override
        public int compareTo(ChannelKey o) {
            int c = Long.compare(publisherId, o.publisherId);
            return c != 0 ? c : Long.compareUnsigned(key, o.key);
        }
    }

    private static final class Channel {
        final ChannelKey id;
        final HostMapping memory;
        final java.util.Set<Long> allowed;
        Mapping publisher; // null once unpublished
        final Map<Long, Mapping> subscribers = new TreeMap<>();
        long notifications;

        Channel(ChannelKey id, HostMapping memory, java.util.Set<Long> allowed) {
            this.id = id;
            this.memory = memory;
            this.allowed = allowed;
        }

        long size() {
            return memory.size();
        }
    }

    private final LongFunction<Vm> vms;
    private final Map<ChannelKey, Channel> channels = new TreeMap<>();

    IvcRegistry(LongFunction<Vm> vms) {
        this.vms = vms;
    }

    private static IvcWindow windowOf(Vm vm) {
        return vm.ivcWindow().orElseThrow(() -> fail(HypercallError.EINVAL, vm.describe() + " has no IVC window"));
    }

    private static long pages(long size) {
        return (size + IvcWindow.PAGE - 1) & -IvcWindow.PAGE;
    }

    @Override
    public synchronized long[] publish(Vm vm, long key, long size) {
        IvcWindow w = windowOf(vm);
        if (size <= 0 || size > w.maxChannelSize()) {
            throw fail(HypercallError.EINVAL, "publish: size " + Long.toUnsignedString(size) + " is not in 1.."
                    + w.maxChannelSize());
        }
        ChannelKey id = new ChannelKey(vm.id(), key);
        if (channels.containsKey(id)) {
            throw fail(HypercallError.EEXIST, "publish: " + vm.describe() + " already has channel " + key);
        }
        long granted = pages(size);
        long address = w.allocate(granted).orElseThrow(() -> fail(HypercallError.ENOSPC,
                "publish: the IVC window of " + vm.describe() + " has no room for " + granted + " bytes"));
        HostMapping memory;
        try {
            memory = sharedMemory(granted);
        } catch (RuntimeException e) {
            w.release(address);
            throw e;
        }
        memory.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, vm.id());
        memory.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8, key);
        Channel c = new Channel(id, memory, w.allowedSubscribers());
        try {
            c.publisher = new Mapping(address, vm.mapShared(address, memory));
        } catch (RuntimeException e) {
            w.release(address);
            memory.close();
            throw e;
        }
        channels.put(id, c);
        return new long[] {address, granted};
    }

    /** memfd-backed memory, so a channel is shared memory every participant maps, not one VM's RAM. */
    private static HostMapping sharedMemory(long size) {
        int fd = LibC.memfdCreate("javisor-ivc", LibC.MFD_CLOEXEC);
        try {
            LibC.ftruncate(fd, size);
            return HostMapping.sharedFile(fd, 0, size, true);
        } finally {
            LibC.close(fd); // the mapping keeps the memory
        }
    }

    @Override
    public synchronized long[] subscribe(Vm vm, long publisherId, long key) {
        Channel c = channels.get(new ChannelKey(publisherId, key));
        if (c == null || c.publisher == null) {
            throw fail(HypercallError.ENOENT, "subscribe: VM " + publisherId + " publishes no channel " + key);
        }
        if (vm.id() == publisherId || c.subscribers.containsKey(vm.id())) {
            throw fail(HypercallError.EEXIST, "subscribe: " + vm.describe() + " already maps channel " + key);
        }
        if (!c.allowed.isEmpty() && !c.allowed.contains(vm.id())) {
            throw fail(HypercallError.EACCES, "subscribe: VM " + publisherId + " does not admit " + vm.describe());
        }
        IvcWindow w = windowOf(vm);
        if (c.size() > w.maxChannelSize()) {
            throw fail(HypercallError.EINVAL, "subscribe: channel of " + c.size() + " bytes exceeds the limit of "
                    + vm.describe());
        }
        long address = w.allocate(c.size()).orElseThrow(() -> fail(HypercallError.ENOSPC,
                "subscribe: the IVC window of " + vm.describe() + " has no room for " + c.size() + " bytes"));
        try {
            c.subscribers.put(vm.id(), new Mapping(address, vm.mapShared(address, c.memory)));
        } catch (RuntimeException e) {
            w.release(address);
            throw e;
        }
        return new long[] {address, c.size()};
    }

    @Override
    public synchronized void unpublish(Vm vm, long key) {
        ChannelKey id = new ChannelKey(vm.id(), key);
        Channel c = channels.get(id);
        if (c == null || c.publisher == null) {
            throw fail(HypercallError.ENOENT, "unpublish: " + vm.describe() + " publishes no channel " + key);
        }
        release(vm, c.publisher);
        c.publisher = null;
        dropIfUnused(c);
    }

    @Override
    public synchronized void unsubscribe(Vm vm, long publisherId, long key) {
        Channel c = channels.get(new ChannelKey(publisherId, key));
        Mapping m = c == null ? null : c.subscribers.remove(vm.id());
        if (m == null) {
            throw fail(HypercallError.ENOENT, "unsubscribe: " + vm.describe() + " does not map channel " + key
                    + " of VM " + publisherId);
        }
        release(vm, m);
        dropIfUnused(c);
    }

    @Override
    public int notify(Vm vm, long publisherId, long key) {
        List<Vm> targets = new ArrayList<>();
        synchronized (this) {
            Channel c = channels.get(new ChannelKey(publisherId, key));
            boolean publisher = c != null && vm.id() == publisherId && c.publisher != null;
            if (c == null || !publisher && !c.subscribers.containsKey(vm.id())) {
                throw fail(HypercallError.ENOENT, "notify: " + vm.describe() + " is not on channel " + key
                        + " of VM " + publisherId);
            }
            if (publisher) {
                for (long s : c.subscribers.keySet()) {
                    Optional.ofNullable(vms.apply(s)).ifPresent(targets::add);
                }
            } else if (c.publisher != null) {
                Optional.ofNullable(vms.apply(publisherId)).ifPresent(targets::add);
            }
            c.notifications++;
        }
        int notified = 0;
        for (Vm t : targets) {
            if (t.notifyIvc()) {
                notified++;
            }
        }
        return notified;
    }

    private static void release(Vm vm, Mapping m) {
        vm.unmapShared(m.slot(), m.address());
        vm.ivcWindow().ifPresent(w -> w.release(m.address()));
    }

    private void dropIfUnused(Channel c) {
        if (c.publisher == null && c.subscribers.isEmpty()) {
            channels.remove(c.id);
            c.memory.close();
        }
    }

    /**
     * {@code vm} is going away (deleted, or rebuilt by a restart): it leaves every channel as if it had unpublished
     * and unsubscribed, and channels it was the last user of are freed.
     */
    synchronized void leaveAll(Vm vm) {
        for (Channel c : List.copyOf(channels.values())) {
            Mapping sub = c.subscribers.remove(vm.id());
            if (sub != null) {
                release(vm, sub);
            }
            if (c.id.publisherId() == vm.id() && c.publisher != null) {
                release(vm, c.publisher);
                c.publisher = null;
            }
            dropIfUnused(c);
        }
    }

    synchronized List<IvcChannelInfo> list() {
        List<IvcChannelInfo> out = new ArrayList<>();
        for (Channel c : channels.values()) {
            Map<Long, Long> subs = new LinkedHashMap<>();
            c.subscribers.forEach((id, m) -> subs.put(id, m.address()));
            out.add(new IvcChannelInfo(c.id.publisherId(), c.id.key(), c.size(),
                    c.publisher == null ? OptionalLong.empty() : OptionalLong.of(c.publisher.address()), subs,
                    c.notifications));
        }
        return out;
    }

    /** The channel's memory as the hypervisor sees it, for tests and diagnostics. */
    synchronized Optional<java.lang.foreign.MemorySegment> memoryOf(long publisherId, long key) {
        return Optional.ofNullable(channels.get(new ChannelKey(publisherId, key))).map(c -> c.memory.segment());
    }

    synchronized void closeAll() {
        for (Channel c : channels.values()) {
            c.memory.close();
        }
        channels.clear();
        LOG.log(Level.DEBUG, "IVC channels closed");
    }
}
