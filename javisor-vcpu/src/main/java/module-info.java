/** One virtual CPU: its x86_64 state, its run method and the exits it reports. */
module javisor.vcpu {
    requires transitive javisor.memory;
    exports javisor.vcpu;
}
