package javisor.vm.ivc;

import javisor.vcpu.hypercall.HypercallError;

/**
 * The inter-VM channel operations a VM's hypercalls reach: they span VMs, so the hypervisor holds them
 * ({@link IvcRegistry}). Each returns the hypercall's result or throws {@link HypercallError.Failure}.
 */
public interface IvcService {
    /** Publishes channel {@code key} of {@code vm}; returns {address, granted size}. */
    long[] publish(IvcParticipant vm, long key, long size);

    /** Maps {@code publisherId}'s channel {@code key} into {@code vm}; returns {address, size}. */
    long[] subscribe(IvcParticipant vm, long publisherId, long key);

    void unpublish(IvcParticipant vm, long key);

    void unsubscribe(IvcParticipant vm, long publisherId, long key);

    /** Raises the other side's notification interrupt; returns how many VMs were notified. */
    int notify(IvcParticipant vm, long publisherId, long key);

    /** No IVC at all (a VM built outside a hypervisor): every call fails with ENOSYS. */
    IvcService NONE = new IvcService() {
        private HypercallError.Failure none() {
            return HypercallError.fail(HypercallError.ENOSYS, "IVC is not available");
        }

        @Override
        public long[] publish(IvcParticipant vm, long key, long size) {
            throw none();
        }

        @Override
        public long[] subscribe(IvcParticipant vm, long publisherId, long key) {
            throw none();
        }

        @Override
        public void unpublish(IvcParticipant vm, long key) {
            throw none();
        }

        @Override
        public void unsubscribe(IvcParticipant vm, long publisherId, long key) {
            throw none();
        }

        @Override
        public int notify(IvcParticipant vm, long publisherId, long key) {
            throw none();
        }
    };
}
