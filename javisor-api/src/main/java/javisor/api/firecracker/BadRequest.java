package javisor.api.firecracker;

/** A request Firecracker's API answers with 400 and this message as its {@code fault_message}. */
final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
        super(message);
    }
}
