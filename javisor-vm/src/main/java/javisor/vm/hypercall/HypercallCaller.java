package javisor.vm.hypercall;

import javisor.memory.GuestMemory;
import javisor.vm.ivc.IvcParticipant;

/**
 * The VM a hypercall comes from, as the dispatcher needs it: its memory (where pointer arguments point), its part
 * in IVC, and vCPU bring-up. The VM is the real one; a test plays one without KVM.
 */
public interface HypercallCaller extends IvcParticipant {
    GuestMemory memory();

    /** CpuUp from vCPU {@code caller}: starts vCPU {@code target} at {@code entry}; returns the result. */
    long cpuUp(int caller, long target, long entry, long arg);
}
