package javisor.virtio.vsock;

import java.util.Optional;

/** The operation of a vsock packet, its le16 {@code op} field (virtio 1.2, 5.10.6 "Device Operation"). */
public enum VsockOp {
    /** Connect to the peer's port. */
    REQUEST(1),
    /** The connection is accepted. */
    RESPONSE(2),
    /** The connection is refused, or ends at once. */
    RST(3),
    /** The sender will receive ({@link #SHUTDOWN_RCV}) or send ({@link #SHUTDOWN_SEND}) no more. */
    SHUTDOWN(4),
    /** Stream data: the payload follows the header. */
    RW(5),
    /** The sender's buf_alloc and fwd_cnt, unasked. */
    CREDIT_UPDATE(6),
    /** Asks the peer for a {@link #CREDIT_UPDATE}. */
    CREDIT_REQUEST(7);

    /** SHUTDOWN's flags (5.10.6.5). */
    public static final int SHUTDOWN_RCV = 1;
    public static final int SHUTDOWN_SEND = 2;

    private final int code;

    VsockOp(int code) {
        this.code = code;
    }

    /** The value of the header's op field. */
    public int code() {
        return code;
    }

    /** The operation whose code is {@code code}; empty for one the spec does not define. */
    public static Optional<VsockOp> of(int code) {
        for (VsockOp op : values()) {
            if (op.code == code) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
