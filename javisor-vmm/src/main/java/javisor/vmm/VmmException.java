package javisor.vmm;

/**
 * A hypervisor operation that was refused: no such VM, an illegal state change, a duplicate id, a bad value.
 * The message is written for the user and is the same whether the shell or an API asked; the {@link Kind} lets
 * an API choose its status code (404, 409, 400) without reading the text.
 */
public class VmmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of refusal this is. */
    public enum Kind {
        /** The VM (or other thing) named does not exist. */
        NOT_FOUND,
        /** The request is well formed but the VM's state does not allow it. */
        CONFLICT,
        /** A value given with the request is wrong. */
        INVALID
    }

    private final Kind kind;

    public VmmException(String message) {
        this(Kind.CONFLICT, message);
    }

    public VmmException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public VmmException(String message, Throwable cause) {
        super(message, cause);
        this.kind = Kind.CONFLICT;
    }

    public Kind kind() {
        return kind;
    }
}
