package javisor.virtio.vsock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The line a host client sends on the listener to reach a guest port, as in Firecracker's docs/vsock.md:
 * {@code CONNECT <port>\n}, the port a decimal u32, the whole line at most {@link #MAX} bytes. Read a byte at a
 * time, so that data the client sends right after the line stays in the socket for the guest.
 */
final class ConnectLine {
    /** The longest line accepted, its newline included. */
    static final int MAX = 32;
    private static final String PREFIX = "CONNECT ";

    /** What reading gave: the line is not complete yet, or it is, or the client is to be closed. */
    sealed interface Result {
    }

    record Pending() implements Result {
    }

    record Port(int port) implements Result {
    }

    record Bad(String why) implements Result {
    }

    private final ByteBuffer line = ByteBuffer.allocate(MAX);
    private final ByteBuffer oneByte = ByteBuffer.allocate(1);

    /** Reads what the client has sent so far, up to the newline. */
    Result read(SocketChannel channel) {
        try {
            while (true) {
                oneByte.clear();
                int n = channel.read(oneByte);
                if (n == 0) {
                    return new Pending();
                }
                if (n < 0) {
                    return new Bad("the host client closed before its CONNECT line ended");
                }
                byte b = oneByte.get(0);
                if (b == '\n') {
                    break;
                }
                if (line.position() == MAX - 1) {
                    return new Bad("the host client's CONNECT line is longer than " + MAX + " bytes");
                }
                line.put(b);
            }
        } catch (IOException e) {
            return new Bad("reading the host client's CONNECT line: " + e.getMessage());
        }
        String text = new String(line.array(), 0, line.position(), StandardCharsets.US_ASCII);
        long port = parse(text);
        return port < 0 ? new Bad("the host client's line \"" + text + "\" is not CONNECT <port>")
                : new Port((int) port);
    }

    /** The port of a {@code CONNECT <decimal u32>} line (the newline taken off), or -1 if it is not one. */
    static long parse(String line) {
        if (!line.startsWith(PREFIX) || line.length() == PREFIX.length() || line.length() > PREFIX.length() + 10) {
            return -1;
        }
        long port = 0;
        for (int i = PREFIX.length(); i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            port = port * 10 + (ch - '0');
        }
        return port <= 0xffff_ffffL ? port : -1;
    }
}
