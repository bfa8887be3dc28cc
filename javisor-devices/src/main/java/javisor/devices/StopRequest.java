package javisor.devices;

/** A device asking for its VM to stop. */
public sealed interface StopRequest {
    /** A write to the debug-exit port: the VM stops with {@code code}. */
    record DebugExit(long code) implements StopRequest {
    }

    /** The guest powered itself off. */
    record PowerOff() implements StopRequest {
    }

    /** The guest asked for a reset (i8042 0xFE, for example). */
    record Reset() implements StopRequest {
    }
}
