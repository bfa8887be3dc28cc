package javisor.vm;

/** Why a VM stopped. The first reason recorded wins; later ones (other vCPUs stopping too) are ignored. */
public sealed interface StopReason {
    /** The exit status {@code javisor run} reports for a VM that stopped for this reason. */
    int exitStatus();

    String describe();

    /** The guest wrote {@code code} to the debug-exit port; the status is QEMU's {@code (code << 1) | 1}. */
    record DebugExit(long code) implements StopReason {
        @Override
        public int exitStatus() {
            return (int) (((code << 1) | 1) & 0xff);
        }

        @Override
        public String describe() {
            return "debug exit with code " + code;
        }
    }

    /** The guest called the SystemDown hypercall with {@code code}; the status is as for a debug exit. */
    record SystemDown(long code) implements StopReason {
        @Override
        public int exitStatus() {
            return (int) (((code << 1) | 1) & 0xff);
        }

        @Override
        public String describe() {
            return "SystemDown hypercall with code " + code;
        }
    }

    /** The guest powered off. */
    record PowerOff() implements StopReason {
        @Override
        public int exitStatus() {
            return 0;
        }

        @Override
        public String describe() {
            return "guest powered off";
        }
    }

    /** The guest asked for a reset and the VM is configured to stop on reset. */
    record Reset() implements StopReason {
        @Override
        public int exitStatus() {
            return 0;
        }

        @Override
        public String describe() {
            return "guest requested a reset";
        }
    }

    /** Stopped from outside: a shell command, a signal, the hypervisor exiting. */
    record Stopped(String by) implements StopReason {
        @Override
        public int exitStatus() {
            return 0;
        }

        @Override
        public String describe() {
            return "stopped by " + by;
        }
    }

    /**
     * The guest failed: a triple fault, an instruction KVM could not emulate, an internal error. The report
     * holds the registers and instruction bytes.
     */
    record GuestFailure(String summary, String report) implements StopReason {
        public static final int EXIT_STATUS = 4;

        @Override
        public int exitStatus() {
            return EXIT_STATUS;
        }

        @Override
        public String describe() {
            return summary;
        }
    }

    /**
     * The VM went over one of its {@code [limits]} and the limit says to stop it; {@code limit} is the key, the
     * detail says by how much. The exit status is a guest failure's: it is the guest's doing.
     */
    record LimitExceeded(String limit, String detail) implements StopReason {
        @Override
        public int exitStatus() {
            return GuestFailure.EXIT_STATUS;
        }

        @Override
        public String describe() {
            return "over its limit " + limit + ": " + detail;
        }
    }

    /** Javisor itself failed while running the VM (a bug or a host error); the VM was stopped. */
    record HostError(String message) implements StopReason {
        public static final int EXIT_STATUS = 5;

        @Override
        public int exitStatus() {
            return EXIT_STATUS;
        }

        @Override
        public String describe() {
            return "host error: " + message;
        }
    }
}
