package javisor.vm.ivc;

import java.util.Optional;

import javisor.sys.HostMapping;

/**
 * A VM as the IVC registry sees it: its id, its IVC window, and the three things channels need of it (map and
 * unmap shared memory in its guest-physical space, raise its notification interrupt). The VM is the real one; a
 * test can play several without KVM.
 */
public interface IvcParticipant {
    long id();

    /** "VM id (name)", for messages. */
    String describe();

    /** The window its config reserves for channels, if any. */
    Optional<IvcWindow> ivcWindow();

    /**
     * Maps {@code backing} at guest-physical {@code address}; returns a handle for {@link #unmapShared}. Throws
     * {@link javisor.vcpu.hypercall.HypercallError.Failure} with ENOSPC when the VM has no memory slot left.
     */
    int mapShared(long address, HostMapping backing);

    /** Removes a mapping {@link #mapShared} made. */
    void unmapShared(int slot, long address);

    /** Raises the VM's IVC notification interrupt; false if its window names none. */
    boolean notifyIvc();
}
