/** The hypervisor application: main, the VM registry, vCPU threads and the command line. */
module javisor.vmm {
    requires transitive javisor.vm;
    exports javisor.vmm;
    provides java.lang.System.LoggerFinder with javisor.vmm.ConsoleLoggerFinder;
}
