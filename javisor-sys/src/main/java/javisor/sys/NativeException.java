package javisor.sys;

/**
 * A failed native call: carries the call's name, errno and the C library's text for it.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno) {
        super(call + " failed: " + LibC.strerror(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The name of the call that failed, e.g. {@code KVM_CREATE_VCPU} or {@code mmap}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
