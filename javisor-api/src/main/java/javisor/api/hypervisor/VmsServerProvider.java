package javisor.api.hypervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javisor.vmm.Vmm;
import javisor.vmm.control.ControlServer;

/** {@link VmsServer} for the command line's {@code --api-sock} and {@code --web}. */
public final class VmsServerProvider implements ControlServer.Provider {
    /** For {@link java.util.ServiceLoader}. */
    public VmsServerProvider() {
    }

    @Override
    public ControlServer start(Vmm vmm, ControlServer.Settings s) {
        String token = s.tokenFile().map(VmsServerProvider::readToken).orElseGet(VmsServer.Settings::newToken);
        VmsServer server = VmsServer.start(vmm, new VmsServer.Settings(s.apiSocket(), s.web(), token));
        return new ControlServer() {
            @Override
            public List<String> addresses() {
                List<String> out = new ArrayList<>();
                server.apiSocket().ifPresent(p -> out.add("API on unix:" + p));
                server.webUri().ifPresent(u -> out.add("API and web console on " + u));
                return out;
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    private static String readToken(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            String token = lines.isEmpty() ? "" : lines.getFirst().strip();
            if (token.length() < 16) {
                throw new IllegalArgumentException("--web-token-file " + file
                        + ": the token (its first line) must have at least 16 characters");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("--web-token-file " + file + ": cannot read it: " + e.getMessage());
        }
    }
}
