/** Guest physical memory: address types, regions and bounds-checked access. Safe Java only. */
module javisor.memory {
    requires javisor.sys;
    exports javisor.memory;
}
