/** A VM: its config, image loaders, assembly and run state. */
module javisor.vm {
    requires javisor.sys;
    requires javisor.memory;
    requires javisor.vcpu;
    requires javisor.devices;
    requires javisor.virtio;
    exports javisor.vm;
    exports javisor.vm.config;
    exports javisor.vm.hypercall;
    exports javisor.vm.ivc;
    exports javisor.vm.loader;
    exports javisor.vm.linux;
    exports javisor.vm.platform;
}
