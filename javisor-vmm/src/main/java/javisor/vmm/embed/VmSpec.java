package javisor.vmm.embed;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import javisor.vm.ImageResolver;
import javisor.vm.config.BaseConfig;
import javisor.vm.config.ConfigException;
import javisor.vm.config.VmConfig;
import javisor.vmm.ConfigSources;

/**
 * What VM to build: a kernel image with a command line, memory and vCPUs (as {@code javisor run --kernel}), or an
 * AxVisor-style TOML config (as {@code javisor run CONFIG.toml}). Immutable: each {@code with...} returns a new
 * spec. Nothing is checked against KVM until {@link Javisor#create} builds it; bad values fail there, or at once
 * for a config's text.
 *
 * <pre>{@code
 * VmSpec hello = VmSpec.kernel(Path.of("hello.elf")).withCmdline("exit=3").withMemoryMiB(64);
 * VmSpec fromToml = VmSpec.config(Path.of("vm1.toml"));
 * }</pre>
 */
public final class VmSpec {
    /** The memory a kernel spec gets unless {@link #withMemoryMiB} says otherwise, as {@code javisor run}'s. */
    public static final long DEFAULT_MEMORY_MIB = 128;

    private final Path kernel; // null for a config spec
    private final Optional<Path> initrd;
    private final Optional<String> cmdline;
    private final int cpus;
    private final long memoryMiB;
    private final Optional<String> name;
    private final VmConfig config; // null for a kernel spec
    private final ImageResolver images;

    private VmSpec(Path kernel, Optional<Path> initrd, Optional<String> cmdline, int cpus, long memoryMiB,
                   Optional<String> name, VmConfig config, ImageResolver images) {
        this.kernel = kernel;
        this.initrd = initrd;
        this.cmdline = cmdline;
        this.cpus = cpus;
        this.memoryMiB = memoryMiB;
        this.name = name;
        this.config = config;
        this.images = images;
    }

    /**
     * A VM that boots {@code kernel} with no firmware: Multiboot, ELF (32- or 64-bit), a Linux bzImage or vmlinux,
     * else a raw image entered at 1 MiB in real mode. One vCPU and {@link #DEFAULT_MEMORY_MIB} MiB of RAM at
     * guest-physical 0 unless changed; the VM is named after the file and gets the lowest free VM id.
     *
     * @param kernel the image file; a relative path is taken from the working directory
     * @return the spec
     */
    public static VmSpec kernel(Path kernel) {
        Objects.requireNonNull(kernel, "kernel");
        return new VmSpec(kernel, Optional.empty(), Optional.empty(), 1, DEFAULT_MEMORY_MIB, Optional.empty(),
                null, ImageResolver.directory(Path.of("")));
    }

    /**
     * The VM a TOML config file describes (README, "Quick start"; {@code configs/README.md}); its images are found
     * relative to the file's folder, or in the Javisor jar for {@code image_location = "memory"}. Its VM id is the
     * config's.
     *
     * @param file the config file
     * @return the spec
     * @throws ConfigException if the file cannot be read or is not a valid config, naming the line
     */
    public static VmSpec config(Path file) {
        var d = ConfigSources.fromFile(file);
        return new VmSpec(null, Optional.empty(), Optional.empty(), 0, 0, Optional.empty(), d.config(), d.images());
    }

    /**
     * The VM a TOML config's text describes; relative paths in it (images, disks) are taken from the working
     * directory, and {@code image_location = "memory"} images from the Javisor jar.
     *
     * @param toml the config's text
     * @return the spec
     * @throws ConfigException if the text is not a valid config, naming the line
     */
    public static VmSpec config(String toml) {
        VmConfig c = VmConfig.parse(toml, Optional.empty());
        ImageResolver images = switch (c.kernel().imageLocation()) {
            case MEMORY -> ImageResolver.classpath(ConfigSources.BUNDLED_DIR);
            case FS -> ImageResolver.directory(Path.of(""));
        };
        return new VmSpec(null, Optional.empty(), Optional.empty(), 0, 0, Optional.empty(), c, images);
    }

    /**
     * This kernel spec with a kernel command line.
     *
     * @param cmdline the command line (Multiboot's, or Linux's)
     * @return a new spec
     * @throws IllegalStateException for a config spec
     */
    public VmSpec withCmdline(String cmdline) {
        requireKernel("withCmdline");
        return new VmSpec(kernel, initrd, Optional.of(cmdline), cpus, memoryMiB, name, null, images);
    }

    /**
     * This kernel spec with an initial ramdisk.
     *
     * @param initrd the file: a Linux initrd, or a Multiboot module
     * @return a new spec
     * @throws IllegalStateException for a config spec
     */
    public VmSpec withInitrd(Path initrd) {
        requireKernel("withInitrd");
        return new VmSpec(kernel, Optional.of(initrd), cmdline, cpus, memoryMiB, name, null, images);
    }

    /**
     * This kernel spec with another number of vCPUs.
     *
     * @param cpus 1 to the host's KVM limit
     * @return a new spec
     * @throws IllegalStateException for a config spec
     */
    public VmSpec withCpus(int cpus) {
        requireKernel("withCpus");
        return new VmSpec(kernel, initrd, cmdline, cpus, memoryMiB, name, null, images);
    }

    /**
     * This kernel spec with another amount of RAM at guest-physical 0.
     *
     * @param memoryMiB in MiB, 2 or more
     * @return a new spec
     * @throws IllegalStateException for a config spec
     */
    public VmSpec withMemoryMiB(long memoryMiB) {
        requireKernel("withMemoryMiB");
        return new VmSpec(kernel, initrd, cmdline, cpus, memoryMiB, name, null, images);
    }

    /**
     * This spec with the VM named otherwise than by default.
     *
     * @param name the VM's name, shown in logs and messages
     * @return a new spec
     */
    public VmSpec withName(String name) {
        return new VmSpec(kernel, initrd, cmdline, cpus, memoryMiB, Optional.of(name), config, images);
    }

    private void requireKernel(String what) {
        if (kernel == null) {
            throw new IllegalStateException(what + " is for a kernel spec; a config says it in [base] or [kernel]");
        }
    }

    /** The id a config asks for, or empty for a kernel spec, which takes the lowest free one. */
    Optional<Long> fixedId() {
        return config == null ? Optional.empty() : Optional.of(config.base().id());
    }

    /**
     * The config to build, with VM id {@code id} for a kernel spec.
     *
     * @throws ConfigException naming the setting, if a value is out of range
     */
    VmConfig configWith(long id) {
        VmConfig c = config != null ? config : VmConfig.forKernel(kernel, initrd, cmdline, cpus, memoryMiB);
        BaseConfig b = c.base();
        BaseConfig base = new BaseConfig(config != null ? b.id() : id, name.orElse(b.name()), b.vmType(), b.cpuNum(),
                b.physCpuIds(), b.physCpuSets(), b.cpuTemplate());
        return new VmConfig(c.source(), base, c.kernel(), c.devices(), c.limits());
    }

    ImageResolver images() {
        return images;
    }

    /** The kernel file or config this spec comes from, for messages. */
    @Override
    public String toString() {
        return kernel != null ? "VmSpec[kernel " + kernel + cmdline.map(c -> ", cmdline \"" + c + "\"").orElse("")
                + ", " + cpus + " vCPU, " + memoryMiB + " MiB]" : "VmSpec[config " + config.sourceName() + "]";
    }
}
