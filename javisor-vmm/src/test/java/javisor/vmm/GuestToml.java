package javisor.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The VM config of a small test guest, as TOML: the one place the tests write the minimal config (a Multiboot or
 * ELF image loaded at 1 MiB, RAM from 0), with the parts a test varies.
 *
 * @param regions    the {@code memory_regions} array's elements
 * @param baseExtra  more {@code [base]} lines, e.g. {@code phys_cpu_ids = [1]}
 * @param kernelExtra more {@code [kernel]} lines, e.g. {@code cmdline = "x"}
 * @param devices    the {@code [devices]} lines
 */
public record GuestToml(long id, String name, Path image, int cpus, String regions, String baseExtra,
                        String kernelExtra, String devices, String limits) {
    /** 16 MiB of RAM at 0 (read, write, execute; allocated). */
    public static final String SIXTEEN_MIB = "[0x0, 0x1000000, 0x7, 0]";
    /** 4 MiB of RAM at 0. */
    public static final String FOUR_MIB = "[0x0, 0x400000, 0x7, 0]";

    /** VM {@code id}, named "vmID", running the built guest {@code image} on one vCPU with 16 MiB. */
    public static GuestToml of(long id, String image) {
        return new GuestToml(id, "vm" + id, TestGuests.image(image).toAbsolutePath(), 1, SIXTEEN_MIB, "", "", "", "");
    }

    public GuestToml named(String n) {
        return new GuestToml(id, n, image, cpus, regions, baseExtra, kernelExtra, devices, limits);
    }

    public GuestToml cpus(int n) {
        return new GuestToml(id, name, image, n, regions, baseExtra, kernelExtra, devices, limits);
    }

    public GuestToml image(Path p) {
        return new GuestToml(id, name, p, cpus, regions, baseExtra, kernelExtra, devices, limits);
    }

    public GuestToml regions(String r) {
        return new GuestToml(id, name, image, cpus, r, baseExtra, kernelExtra, devices, limits);
    }

    public GuestToml base(String lines) {
        return new GuestToml(id, name, image, cpus, regions, lines, kernelExtra, devices, limits);
    }

    public GuestToml kernel(String lines) {
        return new GuestToml(id, name, image, cpus, regions, baseExtra, lines, devices, limits);
    }

    public GuestToml cmdline(String text) {
        return kernel("cmdline = \"" + text + "\"");
    }

    public GuestToml devices(String lines) {
        return new GuestToml(id, name, image, cpus, regions, baseExtra, kernelExtra, lines, limits);
    }

    /** The {@code [limits]} table's lines. */
    public GuestToml limits(String lines) {
        return new GuestToml(id, name, image, cpus, regions, baseExtra, kernelExtra, devices, lines);
    }

    public String text() {
        return """
                [base]
                id = %d
                name = "%s"
                vm_type = 1
                cpu_num = %d
                %s
                [kernel]
                entry_point = 0x100000
                kernel_path = "%s"
                kernel_load_addr = 0x100000
                memory_regions = [%s]
                %s
                [devices]
                %s
                %s""".formatted(id, name, cpus, baseExtra, image, regions, kernelExtra, devices,
                limits.isEmpty() ? "" : "[limits]\n" + limits + "\n");
    }

    /** Writes the config as {@code dir/file} and returns its path. */
    public Path write(Path dir, String file) throws IOException {
        return Files.writeString(dir.resolve(file), text());
    }

    /** The config as a definition the hypervisor takes, written as {@code dir/vmID.toml}. */
    public Vmm.VmDefinition definition(Path dir) throws IOException {
        return ConfigSources.fromFile(write(dir, "vm" + id + ".toml"));
    }
}
