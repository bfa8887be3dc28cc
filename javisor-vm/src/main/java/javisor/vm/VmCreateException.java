package javisor.vm;

/** A VM could not be built: the message names the VM and what was wrong (config, image, or host). */
public class VmCreateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmCreateException(String message) {
        super(message);
    }

    public VmCreateException(String message, Throwable cause) {
        super(message, cause);
    }
}
