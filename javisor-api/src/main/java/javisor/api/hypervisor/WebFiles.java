package javisor.api.hypervisor;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The web console's files, served from this module's resources under {@code javisor/api/web/}: the page, its
 * script and style, and the vendored xterm.js. Only plain names in at most two levels are looked up, so no
 * request can reach another resource or the file system.
 */
final class WebFiles {
    private static final String ROOT = "/javisor/api/web/";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)?");

    /** A file to send. */
    record File(String contentType, byte[] bytes) {
    }

    private WebFiles() {
    }

    /** The file at {@code name} (relative to the page's folder; empty = index.html), if there is one. */
    static Optional<File> find(String name) {
        String n = name.isEmpty() ? "index.html" : name;
        if (!SAFE.matcher(n).matches() || n.contains("..")) {
            return Optional.empty();
        }
        try (InputStream in = WebFiles.class.getResourceAsStream(ROOT + n)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new File(contentType(n), in.readAllBytes()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "json", "map" -> "application/json";
            default -> "text/plain; charset=utf-8";
        };
    }
}
