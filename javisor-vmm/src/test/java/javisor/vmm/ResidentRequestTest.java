package javisor.vmm;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The resident's header, as bin/resident.sh's printf writes it, and what a stranger on the port may send. */
class ResidentRequestTest {
    private static final String TOKEN = "5ec7e7";

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRunHeaderGivesTheFolderAndTheArgumentsAndLeavesTheConsoleInputUnread() throws Exception {
        InputStream in = bytes(TOKEN + "\nrun 4 input\n/home/a b\0run\0--kernel\0x.elf\0--cmdline\0"
                + "line one\nline two\0typed");
        // four arguments are announced but five sent: the fifth is console input
        ResidentRequest r = ResidentRequest.read(in, TOKEN);
        assertThat(r).isEqualTo(new ResidentRequest.Run(Path.of("/home/a b"),
                List.of("run", "--kernel", "x.elf", "--cmdline"), true));
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line one\nline two\0typed");
    }

    @Test
    void withoutInputTheRunSaysSo() throws Exception {
        assertThat(ResidentRequest.read(bytes(TOKEN + "\nrun 1\n/\0run\0"), TOKEN))
                .isEqualTo(new ResidentRequest.Run(Path.of("/"), List.of("run"), false));
    }

    @Test
    void anAttachNamesItsRun() throws Exception {
        assertThat(ResidentRequest.read(bytes(TOKEN + "\nattach 17\n"), TOKEN))
                .isEqualTo(new ResidentRequest.Attach(17));
    }

    @Test
    void badHeadersAreRefusedNamingWhatWasWrong() {
        String longLine = "x".repeat(ResidentRequest.MAX_LINE + 1);
        String longArg = "a".repeat(ResidentRequest.MAX_STRING + 1);
        String[][] cases = {
                {"0000\nrun 1\n/\0run\0", "wrong token"},
                {TOKEN, "the connection ended inside the token line"},
                {longLine + "\n", "the token line is longer than 128 bytes"},
                {TOKEN + "\nboot 1\n", "unknown verb 'boot' (expected run or attach)"},
                {TOKEN + "\nrun -1\n", "run's argument count is not a number: '-1'"},
                {TOKEN + "\nrun 99999\n", "run's argument count 99999 is over 4096"},
                {TOKEN + "\nrun 12345678901\n", "run's argument count is not a number: '12345678901'"},
                {TOKEN + "\nrun 2\n/\0run\0", "the connection ended inside the argument"},
                {TOKEN + "\nrun 1\nrelative\0run\0", "the client's folder 'relative' is not an absolute path"},
                {TOKEN + "\nrun 1\n/\0" + longArg + "\0", "the argument is longer than 65536 bytes"},
                {TOKEN + "\nattach x\n", "attach's run id is not a number: 'x'"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> ResidentRequest.read(bytes(c[0]), TOKEN)).as(c[1])
                    .isInstanceOf(ResidentRequest.Refused.class).hasMessage(c[1]);
        }
    }

    @Test
    void theArgumentsTogetherAreBounded() {
        String arg = "a".repeat(60_000) + "\0";
        String header = TOKEN + "\nrun 20\n/\0" + arg.repeat(20);
        assertThatThrownBy(() -> ResidentRequest.read(bytes(header), TOKEN))
                .isInstanceOf(ResidentRequest.Refused.class)
                .hasMessage("the arguments are longer than 1048576 bytes in all");
    }

    @Test
    void standardErrorGoesBackAsFramedLines() throws Exception {
        var sink = new java.io.ByteArrayOutputStream();
        try (var framed = new Cli.TaggedLines(sink, "e ")) {
            framed.write("javisor: one\ntwo\n\npartial".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("e javisor: one\ne two\ne \ne partial\n");
    }
}
