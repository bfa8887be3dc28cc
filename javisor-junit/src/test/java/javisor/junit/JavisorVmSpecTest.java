package javisor.junit;

import java.lang.reflect.Parameter;

import javisor.vmm.embed.VirtualMachine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link JavisorVm}'s attributes become a spec, and the mistakes it refuses before any KVM is needed. */
class JavisorVmSpecTest {
    @SuppressWarnings("unused")
    static void examples(@JavisorVm(kernel = "k.elf", cmdline = "a=1", cpus = 2, memoryMiB = 8) VirtualMachine kernel,
                         @JavisorVm VirtualMachine neither,
                         @JavisorVm(kernel = "k.elf", config = "c.toml") VirtualMachine both,
                         @JavisorVm(config = "c.toml", cmdline = "x") VirtualMachine configWithCmdline,
                         @JavisorVm(kernel = "${javisor.test.no.such.variable}/k.elf") VirtualMachine unknown) {
    }

    private static JavisorVm annotation(int index) throws NoSuchMethodException {
        Parameter p = JavisorVmSpecTest.class.getDeclaredMethod("examples", VirtualMachine.class, VirtualMachine.class,
                VirtualMachine.class, VirtualMachine.class, VirtualMachine.class).getParameters()[index];
        return p.getAnnotation(JavisorVm.class);
    }

    @Test
    void aKernelAnnotationGivesAKernelSpecWithItsSettings() throws Exception {
        assertThat(JavisorExtension.vmSpec(annotation(0), "kernel").toString())
                .isEqualTo("VmSpec[kernel k.elf, cmdline \"a=1\", 2 vCPU, 8 MiB]");
    }

    @Test
    void exactlyOneOfKernelAndConfig() {
        assertThatThrownBy(() -> JavisorExtension.vmSpec(annotation(1), "neither"))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("@JavisorVm on neither needs exactly one of kernel and config");
        assertThatThrownBy(() -> JavisorExtension.vmSpec(annotation(2), "both"))
                .hasMessage("@JavisorVm on both needs exactly one of kernel and config");
        assertThatThrownBy(() -> JavisorExtension.vmSpec(annotation(3), "c"))
                .hasMessage("@JavisorVm on c: cmdline, cpus and memoryMiB go with kernel; a config says them itself");
    }

    @Test
    void variablesComeFromSystemPropertiesAndAnUnknownOneIsAnError() throws Exception {
        System.setProperty("javisor.test.dir", "/x/y");
        try {
            assertThat(JavisorExtension.expand("${javisor.test.dir}/k.elf and ${javisor.test.dir}", "f"))
                    .isEqualTo("/x/y/k.elf and /x/y");
        } finally {
            System.clearProperty("javisor.test.dir");
        }
        assertThat(JavisorExtension.expand("plain/$path", "f")).isEqualTo("plain/$path");
        assertThatThrownBy(() -> JavisorExtension.vmSpec(annotation(4), "unknown"))
                .hasMessage("@JavisorVm on unknown: ${javisor.test.no.such.variable} is neither a system property nor"
                        + " an environment variable");
    }
}
