/** A JUnit 5 extension that gives a test a running Javisor VM, as Testcontainers gives it a container. */
module javisor.junit {
    requires javisor.vm;
    requires javisor.vmm;
    requires org.junit.jupiter.api;
    exports javisor.junit;
}
