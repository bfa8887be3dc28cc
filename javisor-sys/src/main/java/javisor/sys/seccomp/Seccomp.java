package javisor.sys.seccomp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import javisor.sys.LibC;

/** Installing a filter on the calling thread, through {@link LibC}. */
public final class Seccomp {
    private Seccomp() {
    }

    /**
     * Installs {@code filter} on the calling thread: prctl(PR_SET_NO_NEW_PRIVS, 1), which an unprivileged process
     * needs first (it only stops a later execve from gaining privileges), then seccomp(SECCOMP_SET_MODE_FILTER).
     * Without TSYNC the filter applies to this thread alone, from the call's return on, for the thread's whole
     * life; threads it creates afterwards inherit it. Filters stack: a thread that has one already gets both.
     *
     * @return the listener's descriptor when the filter's other action is SECCOMP_RET_USER_NOTIF (a call held by
     *         the filter waits until someone answers on it), else -1
     */
    public static int installOnCurrentThread(SeccompFilter filter) {
        boolean notifies = filter.otherAction() == SeccompAbi.SECCOMP_RET_USER_NOTIF;
        try (Arena arena = Arena.ofConfined()) {
            return installOnCurrentThread(filter.encode(arena), notifies, false);
        }
    }

    /**
     * Installs the encoded program {@code fprog} (a struct sock_fprog, {@link SeccompFilter#encode}), asking for a
     * listener if {@code listener}, and, if {@code log}, for the kernel to log every action but ALLOW in its audit
     * log (SECCOMP_FILTER_FLAG_LOG: a record of a refusal that survives the process). The caller keeps the memory
     * until the install is over.
     */
    public static int installOnCurrentThread(MemorySegment fprog, boolean listener, boolean log) {
        LibC.prctl(SeccompAbi.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        int flags = (listener ? SeccompAbi.SECCOMP_FILTER_FLAG_NEW_LISTENER : 0)
                | (log ? SeccompAbi.SECCOMP_FILTER_FLAG_LOG : 0);
        int r = LibC.seccomp(SeccompAbi.SECCOMP_SET_MODE_FILTER, flags, fprog);
        return listener ? r : -1;
    }

    /** Whether the calling thread already runs seccomp filters (its own or ones inherited). */
    public static boolean currentThreadFiltered() {
        return LibC.prctl(SeccompAbi.PR_GET_SECCOMP, 0, 0, 0, 0) == SeccompAbi.SECCOMP_MODE_FILTER;
    }
}
