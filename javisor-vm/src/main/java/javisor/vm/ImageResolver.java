package javisor.vm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the image files a config names (kernel_path, ramdisk_path, ...): on the file system relative to the
 * config's folder ({@code image_location = "fs"}), or bundled in the Javisor jar
 * ({@code image_location = "memory"}, AxVisor's images built into the hypervisor).
 */
public sealed interface ImageResolver {
    /** Images larger than this are refused before being read (no guest of ours has 4 GiB of kernel). */
    long MAX_IMAGE_SIZE = 4L << 30;

    byte[] read(Path path) throws IOException;

    /** Where {@code path} resolves to, for messages. */
    String describe(Path path);

    static ImageResolver directory(Path baseDir) {
        return new Directory(baseDir);
    }

    /** Resources under {@code baseResourceDir} (a folder of the class path, e.g. {@code javisor-vms}). */
    static ImageResolver classpath(String baseResourceDir) {
        return new Classpath(baseResourceDir);
    }

    record Directory(Path baseDir) implements ImageResolver {
        @Override
        public byte[] read(Path path) throws IOException {
            Path p = baseDir.resolve(path);
            long size = Files.size(p);
            if (size > MAX_IMAGE_SIZE) {
                throw new IOException(p + " is " + size + " bytes, more than the " + MAX_IMAGE_SIZE
                        + " an image may have");
            }
            return Files.readAllBytes(p);
        }

        @Override
        public String describe(Path path) {
            return baseDir.resolve(path).toString();
        }
    }

    record Classpath(String baseResourceDir) implements ImageResolver {
        @Override
        public byte[] read(Path path) throws IOException {
            String name = resourceName(path);
            try (InputStream in = ImageResolver.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) {
                    throw new IOException("no image " + name + " is bundled in this Javisor build");
                }
                return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_IMAGE_SIZE));
            }
        }

        @Override
        public String describe(Path path) {
            return "bundled:" + resourceName(path);
        }

        String resourceName(Path path) {
            return Path.of(baseResourceDir).resolve(path.toString()).normalize().toString().replace('\\', '/');
        }
    }
}
