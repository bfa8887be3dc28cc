package javisor.vmm;

/** KVM cannot be used on this host; the message says why and what to do. */
public class VirtualizationUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VirtualizationUnavailableException(String message) {
        super(message);
    }
}
