package javisor.vm.hypercall;

import javisor.vm.Vm;

/**
 * The inter-VM channel operations a VM's hypercalls reach: they span VMs, so the hypervisor implements them.
 * Each returns the hypercall's result or throws {@link HypercallError.Failure}.
 */
public interface IvcService {
    /** Publishes channel {@code key} of {@code vm}; returns {address, granted size}. */
    long[] publish(Vm vm, long key, long size);

    /** Maps {@code publisherId}'s channel {@code key} into {@code vm}; returns {address, size}. */
    long[] subscribe(Vm vm, long publisherId, long key);

    void unpublish(Vm vm, long key);

    void unsubscribe(Vm vm, long publisherId, long key);

    /** Raises the other side's notification interrupt; returns how many VMs were notified. */
    int notify(Vm vm, long publisherId, long key);

    /** No IVC at all (a VM built outside a hypervisor): every call fails with ENOSYS. */
    IvcService NONE = new IvcService() {
        private HypercallError.Failure none() {
            return HypercallError.fail(HypercallError.ENOSYS, "IVC is not available");
        }

        @Override
        public long[] publish(Vm vm, long key, long size) {
            throw none();
        }

        @Override
        public long[] subscribe(Vm vm, long publisherId, long key) {
            throw none();
        }

        @Override
        public void unpublish(Vm vm, long key) {
            throw none();
        }

        @Override
        public void unsubscribe(Vm vm, long publisherId, long key) {
            throw none();
        }

        @Override
        public int notify(Vm vm, long publisherId, long key) {
            throw none();
        }
    };
}
