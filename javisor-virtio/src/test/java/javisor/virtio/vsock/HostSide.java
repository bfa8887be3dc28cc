package javisor.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** The host's end of vsock streams for the tests: Unix sockets read and written with deadlines, never blocking. */
final class HostSide {
    private HostSide() {
    }

    static ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        s.configureBlocking(false);
        return s;
    }

    static SocketChannel accept(ServerSocketChannel listener) {
        SocketChannel c = TestGuest.await("a connection on the host listener", () -> {
            try {
                return listener.accept();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            c.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return c;
    }

    static SocketChannel connect(Path path) throws IOException {
        SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path));
        c.configureBlocking(false);
        return c;
    }

    static void write(SocketChannel c, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        TestGuest.await("the host socket to take " + data.length + " bytes", () -> {
            try {
                c.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.hasRemaining() ? null : true;
        });
    }

    static void write(SocketChannel c, String s) {
        write(c, s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Exactly {@code n} bytes from the socket (fails at EOF before them). */
    static byte[] read(SocketChannel c, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        TestGuest.await(n + " bytes on the host socket", () -> {
            try {
                if (c.read(b) < 0) {
                    throw new AssertionError("EOF after " + b.position() + " of " + n + " bytes: "
                            + new String(Arrays.copyOf(b.array(), b.position()), StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.hasRemaining() ? null : true;
        });
        return b.array();
    }

    static String readLine(SocketChannel c) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            char ch = (char) read(c, 1)[0];
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
        }
    }

    /** Reads until EOF (or a reset), throwing the bytes away; returns how many there were. */
    static long drainToEof(SocketChannel c) {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        long[] total = {0};
        return TestGuest.await("EOF on the host socket", () -> {
            try {
                b.clear();
                int n = c.read(b);
                if (n < 0) {
                    return total[0];
                }
                total[0] += n;
                return null;
            } catch (IOException e) {
                return total[0]; // a reset is an end too
            }
        });
    }
}
