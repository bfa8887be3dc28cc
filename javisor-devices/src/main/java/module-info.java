/** The device framework (port-I/O and MMIO buses, interrupt lines) and the device models. */
module javisor.devices {
    requires javisor.sys;
    exports javisor.devices;
}
