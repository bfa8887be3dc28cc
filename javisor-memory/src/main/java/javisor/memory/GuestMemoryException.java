package javisor.memory;

/** A guest memory access outside guest RAM, or an address computation that would wrap. */
public class GuestMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestMemoryException(String message) {
        super(message);
    }
}
