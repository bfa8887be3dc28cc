package javisor.vmm.control;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

import javisor.vmm.Vmm;

/**
 * The multi-VM API as the command line sees it ({@code javisor serve}, {@code javisor shell --api-sock}): a
 * server over the same {@link VmOperations} as the shell. It lives in the javisor.api module, which brings Jetty
 * and Jackson; {@code javisor run} never loads it, so it is found through {@link ServiceLoader}.
 */
public interface ControlServer extends AutoCloseable {
    /**
     * Where to listen: a Unix socket (no token; its file's permissions guard it), a TCP address for the API and
     * the web console (a token on every request: the first line of {@code tokenFile}, or a new random one).
     */
    record Settings(Optional<Path> apiSocket, Optional<InetSocketAddress> web, Optional<Path> tokenFile) {
        public boolean any() {
            return apiSocket.isPresent() || web.isPresent();
        }
    }

    /** Makes a server; implemented by the javisor.api module. */
    interface Provider {
        /** Starts serving {@code vmm}; throws IllegalArgumentException naming what could not be listened on. */
        ControlServer start(Vmm vmm, Settings settings);
    }

    /** The provider on the module path, or empty when javisor.api is not there. */
    static Optional<Provider> provider() {
        return ServiceLoader.load(Provider.class).findFirst();
    }

    /** One line per address served, for the user: {@code API on unix:/run/j.sock}, the web console's URL. */
    List<String> addresses();

    @Override
    void close();
}
