package javisor.vm.ivc;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

import javisor.sys.HostMapping;
import javisor.sys.LibC;
import javisor.sys.Logs;
import javisor.vcpu.hypercall.HypercallError;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static javisor.vcpu.hypercall.HypercallError.fail;

/**
 * The inter-VM channels (AxVisor's ivc.rs, without its bugs): channels keyed by publisher VM id and key, each a
 * memfd mapped as a KVM memory slot into every participant's IVC window. Every state change happens under this
 * registry's lock, and every check is made before anything changes, so a failed call leaves things as they were.
 * A channel holds its participants themselves, so a notification reaches them without looking a VM up in the
 * hypervisor's registry (whose lock a restart holds for seconds).
 */
public final class IvcRegistry implements IvcService {
    private static final System.Logger LOG = Logs.get("javisor.vm");
    /** AxVisor's channel header: publisher VM id and key, 8 bytes each. */
    public static final int HEADER_SIZE = 16;

    /** Where one participant sees a channel. */
    record Mapping(IvcParticipant vm, long address, int slot) {
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
        final Set<Long> allowed;
        Mapping publisher; // null once unpublished
        final Map<Long, Mapping> subscribers = new TreeMap<>();
        long notifications;

        Channel(ChannelKey id, HostMapping memory, Set<Long> allowed) {
            this.id = id;
            this.memory = memory;
            this.allowed = allowed;
        }

        long size() {
            return memory.size();
        }
    }

    private final Map<ChannelKey, Channel> channels = new TreeMap<>();

    /** An empty registry: one per hypervisor, shared by its VMs. */
    public IvcRegistry() {
    }

    private static IvcWindow windowOf(IvcParticipant vm) {
        return vm.ivcWindow().orElseThrow(() -> fail(HypercallError.EINVAL, vm.describe() + " has no IVC window"));
    }

    private static long pages(long size) {
        return (size + IvcWindow.PAGE - 1) & -IvcWindow.PAGE;
    }

    @Override
    public synchronized long[] publish(IvcParticipant vm, long key, long size) {
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
        // Channels live on while subscribers map them, unpublished or not: all of them are the VM's memory.
        long held = channels.values().stream().filter(c -> c.id.publisherId() == vm.id()).mapToLong(Channel::size)
                .sum();
        if (granted > w.publishLimit() - held) {
            throw fail(HypercallError.ENOSPC, "publish: " + vm.describe() + " holds " + held
                    + " bytes of channels; " + granted + " more is over its limit ivc_bytes = " + w.publishLimit());
        }
        long address = w.allocate(granted).orElseThrow(() -> fail(HypercallError.ENOSPC,
                "publish: the IVC window of " + vm.describe() + " has no room for " + granted + " bytes"));
        HostMapping memory;
        try {
            memory = sharedMemory(granted);
        } catch (RuntimeException e) {
            w.release(address);
            throw e;
        }
        memory.segment().set(JAVA_LONG_UNALIGNED, 0, vm.id());
        memory.segment().set(JAVA_LONG_UNALIGNED, 8, key);
        Channel c = new Channel(id, memory, w.allowedSubscribers());
        try {
            c.publisher = new Mapping(vm, address, vm.mapShared(address, memory));
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
    public synchronized long[] subscribe(IvcParticipant vm, long publisherId, long key) {
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
            c.subscribers.put(vm.id(), new Mapping(vm, address, vm.mapShared(address, c.memory)));
        } catch (RuntimeException e) {
            w.release(address);
            throw e;
        }
        return new long[] {address, c.size()};
    }

    @Override
    public synchronized void unpublish(IvcParticipant vm, long key) {
        ChannelKey id = new ChannelKey(vm.id(), key);
        Channel c = channels.get(id);
        if (c == null || c.publisher == null) {
            throw fail(HypercallError.ENOENT, "unpublish: " + vm.describe() + " publishes no channel " + key);
        }
        release(c.publisher);
        c.publisher = null;
        dropIfUnused(c);
    }

    @Override
    public synchronized void unsubscribe(IvcParticipant vm, long publisherId, long key) {
        Channel c = channels.get(new ChannelKey(publisherId, key));
        Mapping m = c == null ? null : c.subscribers.remove(vm.id());
        if (m == null) {
            throw fail(HypercallError.ENOENT, "unsubscribe: " + vm.describe() + " does not map channel " + key
                    + " of VM " + publisherId);
        }
        release(m);
        dropIfUnused(c);
    }

    @Override
    public int notify(IvcParticipant vm, long publisherId, long key) {
        List<IvcParticipant> targets = new ArrayList<>();
        synchronized (this) {
            Channel c = channels.get(new ChannelKey(publisherId, key));
            boolean publisher = c != null && vm.id() == publisherId && c.publisher != null;
            if (c == null || !publisher && !c.subscribers.containsKey(vm.id())) {
                throw fail(HypercallError.ENOENT, "notify: " + vm.describe() + " is not on channel " + key
                        + " of VM " + publisherId);
            }
            if (publisher) {
                c.subscribers.values().forEach(m -> targets.add(m.vm()));
            } else if (c.publisher != null) {
                targets.add(c.publisher.vm());
            }
            c.notifications++;
        }
        int notified = 0;
        for (IvcParticipant t : targets) {
            if (t.notifyIvc()) {
                notified++;
            }
        }
        return notified;
    }

    private static void release(Mapping m) {
        m.vm().unmapShared(m.slot(), m.address());
        m.vm().ivcWindow().ifPresent(w -> w.release(m.address()));
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
    public synchronized void leaveAll(IvcParticipant vm) {
        for (Channel c : List.copyOf(channels.values())) {
            Mapping sub = c.subscribers.remove(vm.id());
            if (sub != null) {
                release(sub);
            }
            if (c.id.publisherId() == vm.id() && c.publisher != null) {
                release(c.publisher);
                c.publisher = null;
            }
            dropIfUnused(c);
        }
    }

    public synchronized List<IvcChannelInfo> list() {
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
    public synchronized Optional<MemorySegment> memoryOf(long publisherId, long key) {
        return Optional.ofNullable(channels.get(new ChannelKey(publisherId, key))).map(c -> c.memory.segment());
    }

    public synchronized void closeAll() {
        for (Channel c : channels.values()) {
            c.memory.close();
        }
        channels.clear();
        LOG.log(Level.DEBUG, "IVC channels closed");
    }
}
