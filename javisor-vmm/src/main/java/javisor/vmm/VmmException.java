package javisor.vmm;

/** A hypervisor operation that was refused: no such VM, an illegal state change, a duplicate id. */
public class VmmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmmException(String message) {
        super(message);
    }

    public VmmException(String message, Throwable cause) {
        super(message, cause);
    }
}
