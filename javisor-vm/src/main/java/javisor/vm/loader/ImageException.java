package javisor.vm.loader;

/**
 * A guest image that cannot be loaded. The message names what is wrong with the image, with the file
 * offsets and guest addresses involved, so that a user can fix the image or the VM config.
 */
public class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
