import java.io.*;
import java.net.*;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;

public class Lean {
    public static void main(String[] a) throws Exception {
        Path p = Path.of(a[0]);
        Files.deleteIfExists(p);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(p));
        while (true) {
            SocketChannel c = s.accept();
            Thread.ofPlatform().start(() -> serve(c));
        }
    }
    static void serve(SocketChannel c) {
        try (c) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(c));
            OutputStream out = Channels.newOutputStream(c);
            while (true) {
                String line = readLine(in);
                if (line == null) return;
                int len = 0;
                String h;
                while (!(h = readLine(in)).isEmpty()) {
                    if (h.regionMatches(true, 0, "content-length:", 0, 15)) len = Integer.parseInt(h.substring(15).trim());
                }
                in.readNBytes(len);
                byte[] body = "{\"channels\":[]}".getBytes(StandardCharsets.UTF_8);
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nCache-Control: no-store\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                out.write(all);
            }
        } catch (IOException e) {
        }
    }
    static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int ch;
        while ((ch = in.read()) != -1) {
            if (ch == '\n') { int n = b.length(); if (n > 0 && b.charAt(n-1) == '\r') b.setLength(n-1); return b.toString(); }
            b.append((char) ch);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
