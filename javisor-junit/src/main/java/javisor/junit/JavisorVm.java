package javisor.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test a VM: on a {@code VirtualMachine} parameter of a test method, or an instance field, it builds the VM
 * from a kernel image or a TOML config before the test (before {@code @BeforeEach} methods for a field) and starts
 * it, and after the test closes it and checks that it released its KVM file descriptors and vCPU threads (a test
 * that leaks them fails). Each test gets a hypervisor of its own, shared by the VMs it asks for; a
 * {@code Javisor} parameter gives that hypervisor, for VMs made in the test.
 *
 * <pre>{@code
 * @Test
 * void helloExitsWithTheCodeAsked(@JavisorVm(kernel = "${javisor.guests.dir}/hello.elf", cmdline = "exit=3")
 *                                 VirtualMachine vm) throws InterruptedException {
 *     assertTrue(vm.await(Duration.ofSeconds(10)));
 *     assertEquals(Optional.of(new StopReason.DebugExit(3)), vm.stopReason());
 * }
 * }</pre>
 *
 * <p>{@code ${name}} in a path is the system property {@code name}, else the environment variable; a relative path
 * is taken from the working directory. Exactly one of {@link #kernel()} and {@link #config()} must be given. The
 * test JVM needs native access for Javisor ({@code --enable-native-access=javisor.sys} or {@code ALL-UNNAMED}) and
 * {@code /dev/kvm}; where KVM is unusable the test fails saying why, it is not skipped.
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(JavisorExtension.class)
public @interface JavisorVm {
    /**
     * The kernel image to boot (Multiboot, ELF, bzImage, vmlinux, raw), as {@code javisor run --kernel}.
     *
     * @return its path; empty for none
     */
    String kernel() default "";

    /**
     * The kernel command line; for {@link #kernel()} only.
     *
     * @return the command line; empty for none
     */
    String cmdline() default "";

    /**
     * The number of vCPUs; for {@link #kernel()} only.
     *
     * @return 1 to the host's KVM limit
     */
    int cpus() default 1;

    /**
     * RAM in MiB, at guest-physical 0; for {@link #kernel()} only.
     *
     * @return 2 or more
     */
    long memoryMiB() default 128;

    /**
     * A TOML config file (AxVisor's schema), as {@code javisor run CONFIG.toml}, instead of a kernel.
     *
     * @return its path; empty for none
     */
    String config() default "";

    /**
     * Whether the VM is started before the test; false gives it LOADED, for a test that sets a hypercall hook or
     * watches the boot from its first instruction.
     *
     * @return whether to start it
     */
    boolean start() default true;
}
