package javisor.vmm;

import javisor.vm.ivc.IvcRegistry;

/** Test access to a hypervisor's IVC registry, so hypercalls can be dispatched without a running guest. */
record IvcRegistryAccess(Vmm vmm) {
    IvcRegistry registry() {
        return vmm.ivcRegistry();
    }
}
