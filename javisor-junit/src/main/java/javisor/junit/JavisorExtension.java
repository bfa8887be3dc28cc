package javisor.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javisor.vmm.embed.Javisor;
import javisor.vmm.embed.VirtualMachine;
import javisor.vmm.embed.VmSpec;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link JavisorVm}: a hypervisor per test, opened at the first VM the test asks for, and
 * after the test every VM closed, the hypervisor closed, and a check that nothing of theirs is left in the process
 * (KVM file descriptors, vCPU threads). Register it with {@code @ExtendWith(JavisorExtension.class)} to get a
 * {@link Javisor} parameter without any {@code @JavisorVm}; {@code @JavisorVm} registers it by itself.
 */
public final class JavisorExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            JavisorExtension.class);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

    /** Made by JUnit. */
    public JavisorExtension() {
    }

    /** Boots the VMs of the test instances' {@code @JavisorVm} fields. */
    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Class<?> c = instance.getClass(); c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    JavisorVm spec = f.getAnnotation(JavisorVm.class);
                    if (spec == null) {
                        continue;
                    }
                    if (Modifier.isStatic(f.getModifiers()) || f.getType() != VirtualMachine.class) {
                        throw new ExtensionConfigurationException("@JavisorVm field " + c.getName() + "." + f.getName()
                                + " must be an instance field of type VirtualMachine (a VM lives for one test)");
                    }
                    f.setAccessible(true);
                    f.set(instance, session(context).boot(vmSpec(spec, f.getName()), spec.start()));
                }
            }
        }
    }

    /** A {@code VirtualMachine} parameter with {@code @JavisorVm}, or a {@code Javisor}. */
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Javisor.class || type == VirtualMachine.class && parameter.isAnnotated(JavisorVm.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Session session = session(context);
        if (parameter.getParameter().getType() == Javisor.class) {
            return session.javisor();
        }
        JavisorVm spec = parameter.findAnnotation(JavisorVm.class).orElseThrow();
        return session.boot(vmSpec(spec, parameter.getParameter().getName()), spec.start());
    }

    /**
     * Closes the test's VMs and hypervisor, and fails the test if they left KVM file descriptors or vCPU threads
     * behind.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        Session s = context.getStore(NAMESPACE).remove(Session.class, Session.class);
        if (s != null) {
            s.closeAndCheck();
        }
    }

    private static Session session(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(Session.class, k -> new Session(), Session.class);
    }

    /** The spec an annotation describes; {@code what} names the field or parameter in errors. */
    static VmSpec vmSpec(JavisorVm a, String what) {
        boolean kernel = !a.kernel().isEmpty();
        if (kernel == !a.config().isEmpty()) {
            throw new ExtensionConfigurationException("@JavisorVm on " + what
                    + " needs exactly one of kernel and config");
        }
        if (!kernel) {
            if (!a.cmdline().isEmpty() || a.cpus() != 1 || a.memoryMiB() != VmSpec.DEFAULT_MEMORY_MIB) {
                throw new ExtensionConfigurationException("@JavisorVm on " + what
                        + ": cmdline, cpus and memoryMiB go with kernel; a config says them itself");
            }
            return VmSpec.config(Path.of(expand(a.config(), what)));
        }
        VmSpec s = VmSpec.kernel(Path.of(expand(a.kernel(), what))).withCpus(a.cpus()).withMemoryMiB(a.memoryMiB());
        return a.cmdline().isEmpty() ? s : s.withCmdline(expand(a.cmdline(), what));
    }

    /** {@code text} with each {@code ${name}} replaced by the system property, else the environment variable. */
    static String expand(String text, String what) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = System.getProperty(name, System.getenv(name));
            if (value == null) {
                throw new ExtensionConfigurationException("@JavisorVm on " + what + ": ${" + name
                        + "} is neither a system property nor an environment variable");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
