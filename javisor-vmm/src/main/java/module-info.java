/** The hypervisor application: main, the VM registry, vCPU threads and the command line. */
module javisor.vmm {
    requires javisor.vm;
    exports javisor.vmm;
}
