/** The hypervisor application: main, the VM registry, vCPU threads and the command line. */
module javisor.vmm {
    requires javisor.sys;
    requires javisor.memory;
    requires javisor.vcpu;
    requires javisor.devices;
    requires javisor.virtio;
    requires javisor.vm;
    // The shell's line editor (automatic modules, loaded only by javisor.vmm.shell). JLine logs through
    // java.util.logging, and catches Ctrl-C and window resizes through sun.misc.Signal: without jdk.unsupported
    // in the module graph, Ctrl-C at the prompt would end the process.
    requires org.jline.reader;
    requires org.jline.terminal;
    requires java.logging;
    requires jdk.unsupported;
    exports javisor.vmm;
    exports javisor.vmm.embed;
    exports javisor.vmm.control;
    uses javisor.vmm.control.ControlServer.Provider;
    provides java.lang.System.LoggerFinder with javisor.vmm.ConsoleLoggerFinder;
}
