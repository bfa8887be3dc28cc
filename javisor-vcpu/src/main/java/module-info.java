/** One virtual CPU: its x86_64 state, its run method and the exits it reports. */
module javisor.vcpu {
    requires javisor.sys;
    requires javisor.memory;
    exports javisor.vcpu;
    exports javisor.vcpu.hypercall;
}
