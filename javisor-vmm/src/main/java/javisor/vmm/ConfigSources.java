package javisor.vmm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javisor.vm.ImageResolver;
import javisor.vm.VmCreateException;
import javisor.vm.config.ConfigException;
import javisor.vm.config.VmConfig;

/**
 * AxVisor's three sources of VM configs: bundled in the jar at build time, a directory read at start, and a
 * file named at run time ({@code vm create}). Each gives {@link Vmm.VmDefinition}s: the config and where its
 * images are found.
 */
public final class ConfigSources {
    /** The class-path folder holding the bundled configs and images. */
    public static final String BUNDLED_DIR = "javisor-vms";

    private ConfigSources() {
    }

    /** One config file; its images are relative to its folder, or bundled for {@code image_location = "memory"}. */
    public static Vmm.VmDefinition fromFile(Path file) {
        VmConfig c = VmConfig.load(file);
        return new Vmm.VmDefinition(c, resolverFor(c, file.toAbsolutePath().getParent()));
    }

    /**
     * Every {@code *.toml} in {@code dir} that holds {@code [base]}, {@code [kernel]} and {@code [devices]} (as
     * AxVisor picks configs from its guest folder), in file-name order. Other TOML files are skipped.
     */
    public static List<Vmm.VmDefinition> fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new VmCreateException("config directory " + dir + " does not exist or is not a directory");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.toml")) {
            s.forEach(files::add);
        } catch (IOException e) {
            throw new VmCreateException("cannot read config directory " + dir + ": " + e.getMessage(), e);
        }
        files.sort(null);
        List<Vmm.VmDefinition> defs = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException e) {
                throw new VmCreateException("cannot read " + f + ": " + e.getMessage(), e);
            }
            if (text.contains("[base]") && text.contains("[kernel]") && text.contains("[devices]")) {
                defs.add(fromFile(f));
            }
        }
        return defs;
    }

    /** The configs bundled in the jar at build time as the default set, listed in {@code javisor-vms/index}. */
    public static List<Vmm.VmDefinition> bundled() {
        return bundledFrom(BUNDLED_DIR);
    }

    /** One of the config sets of {@code configs/}, all of which the jar bundles under {@code javisor-vms/sets}. */
    public static List<Vmm.VmDefinition> bundledSet(String set) {
        if (!set.matches("[A-Za-z0-9._-]+") || set.startsWith(".")) {
            throw new VmCreateException("'" + set + "' is not a config set name");
        }
        return bundledFrom(BUNDLED_DIR + "/sets/" + set);
    }

    private static List<Vmm.VmDefinition> bundledFrom(String folder) {
        List<Vmm.VmDefinition> defs = new ArrayList<>();
        for (String name : readResource(folder + "/index").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            String text = readResource(folder + "/" + name);
            VmConfig c;
            try {
                c = VmConfig.parse(text, Optional.of(Path.of("bundled:" + folder + "/" + name)));
            } catch (ConfigException e) {
                throw new VmCreateException("bundled config " + name + " is invalid: " + e.getMessage(), e);
            }
            defs.add(new Vmm.VmDefinition(c, ImageResolver.classpath(BUNDLED_DIR)));
        }
        return defs;
    }

    private static ImageResolver resolverFor(VmConfig c, Path configDir) {
        return switch (c.kernel().imageLocation()) {
            case MEMORY -> ImageResolver.classpath(BUNDLED_DIR);
            case FS -> ImageResolver.directory(configDir);
        };
    }

    private static String readResource(String name) {
        try (InputStream in = ConfigSources.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new VmCreateException("this Javisor build has no bundled " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmCreateException("cannot read bundled " + name + ": " + e.getMessage(), e);
        }
    }
}
