package javisor.vm;

import java.util.EnumSet;
import java.util.Set;

/**
 * AxVisor's VM lifecycle: Loading, Loaded, Running and Suspended, then Stopping and Stopped. Only the
 * transitions listed here are legal.
 */
public enum VmState {
    LOADING, LOADED, RUNNING, SUSPENDED, STOPPING, STOPPED;

    /** The states this one may move to. */
    public Set<VmState> next() {
        return switch (this) {
            case LOADING -> EnumSet.of(LOADED, STOPPED);
            case LOADED -> EnumSet.of(RUNNING, STOPPED);
            case RUNNING -> EnumSet.of(SUSPENDED, STOPPING);
            case SUSPENDED -> EnumSet.of(RUNNING, STOPPING);
            case STOPPING -> EnumSet.of(STOPPED);
            case STOPPED -> EnumSet.of(LOADED);
        };
    }

    public boolean canMoveTo(VmState target) {
        return next().contains(target);
    }
}
