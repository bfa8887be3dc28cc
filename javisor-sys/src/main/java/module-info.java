/**
 * The native boundary: the only module with restricted FFM access (libc and the KVM ioctls).
 * Everything above it is safe Java.
 */
module javisor.sys {
    exports javisor.sys;
    exports javisor.sys.kvm;
    exports javisor.sys.net;
    exports javisor.sys.seccomp;
}
