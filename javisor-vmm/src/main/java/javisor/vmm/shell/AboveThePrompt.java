package javisor.vmm.shell;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.jline.reader.LineReader;

/**
 * Standard error while the interactive shell runs: log messages from vCPU and device threads arrive at any time,
 * and written straight to the terminal they would land in the middle of the line being typed. Each complete
 * line is printed above the prompt instead, which JLine then redraws.
 */
final class AboveThePrompt extends OutputStream {
    private final LineReader reader;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    AboveThePrompt(LineReader reader) {
        this.reader = reader;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            reader.printAbove(line.toString(StandardCharsets.UTF_8));
            line.reset();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() {
        // Lines go out whole; a partial line waits for its end so it is not split around the prompt.
    }
}
