package javisor.vcpu.hypercall;

/** Hypercall results for failures: Linux's errno numbers, negated (docs/hypercalls.md). */
public final class HypercallError {
    public static final long EPERM = -1;
    public static final long ENOENT = -2;
    public static final long EACCES = -13;
    public static final long EFAULT = -14;
    public static final long EBUSY = -16;
    public static final long EEXIST = -17;
    public static final long EINVAL = -22;
    public static final long ENOSPC = -28;
    public static final long ENOSYS = -38;

    private HypercallError() {
    }

    /** A hypercall that failed with {@code code}; thrown inside the handlers, turned into the result. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long code;

        public Failure(long code, String why) {
            super(why, null, false, false);
            this.code = code;
        }

        public long code() {
            return code;
        }
    }

    public static Failure fail(long code, String why) {
        return new Failure(code, why);
    }
}
