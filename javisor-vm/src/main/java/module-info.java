/** A VM: its config, image loaders, assembly and run state. */
module javisor.vm {
    requires transitive javisor.vcpu;
    requires transitive javisor.devices;
    exports javisor.vm;
    exports javisor.vm.config;
    exports javisor.vm.hypercall;
    exports javisor.vm.loader;
    exports javisor.vm.linux;
    exports javisor.vm.platform;
}
