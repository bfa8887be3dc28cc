package javisor.vmm;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether what the build is made from changed since the resident Javisor started, so that it never runs a VM on
 * jars older than the sources (the launcher's walk, bin/stale.sh, says the same for a run of its own, and takes
 * tens of milliseconds where a handed-over run takes a few). The inputs are bin/stale.sh's, given by the launcher:
 * a folder is watched whole, a file through its folder. inotify (the JDK's WatchService) sees changes made on this
 * machine; a network share's (the KVM box's 9p) changes made elsewhere it does not.
 */
final class SourceWatch implements AutoCloseable {
    private final WatchService service;
    /** For each watched folder, the names of the input files in it; null: the folder is an input, every name counts. */
    private final Map<WatchKey, Set<String>> names;
    private volatile String change; // the first seen, sticky

    private SourceWatch(WatchService service, Map<WatchKey, Set<String>> names) {
        this.service = service;
        this.names = names;
    }

    /** Watches {@code inputs} (files and folders; those that do not exist are skipped). */
    static SourceWatch of(List<Path> inputs) throws IOException {
        WatchService service = FileSystems.getDefault().newWatchService();
        Map<WatchKey, Set<String>> names = new HashMap<>();
        try {
            for (Path input : inputs) {
                if (Files.isDirectory(input)) {
                    try (Stream<Path> tree = Files.walk(input)) {
                        for (Path dir : tree.filter(Files::isDirectory).toList()) {
                            names.put(register(service, dir), null);
                        }
                    }
                } else if (Files.exists(input)) {
                    WatchKey key = register(service, input.toAbsolutePath().getParent());
                    if (!names.containsKey(key) || names.get(key) != null) {
                        names.computeIfAbsent(key, k -> new HashSet<>()).add(input.getFileName().toString());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        return new SourceWatch(service, names);
    }

    private static WatchKey register(WatchService service, Path dir) throws IOException {
        return dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
    }

    /** The first change to an input since the watch began, if any ("PATH changed"). */
    synchronized Optional<String> change() {
        try {
            for (WatchKey key; change == null && (key = service.poll()) != null; ) {
                Path dir = (Path) key.watchable();
                Set<String> only = names.get(key);
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        change = "more changes under " + dir + " than inotify could queue";
                    } else if (event.context() instanceof Path name && (only == null
                            || only.contains(name.toString()))) {
                        change = dir.resolve(name) + " changed";
                    }
                }
                if (!key.reset() && change == null && only == null) {
                    change = dir + " is gone";
                }
            }
        } catch (ClosedWatchServiceException e) {
            change = "the watch on the sources was closed";
        }
        return Optional.ofNullable(change);
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
