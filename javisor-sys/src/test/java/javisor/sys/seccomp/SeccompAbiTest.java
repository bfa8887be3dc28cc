package javisor.sys.seccomp;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javisor.sys.CProgram;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks {@link SeccompAbi} against the C headers, as KvmStructsTest does for {@code <linux/kvm.h>}: every public
 * constant against the macro of its name, every struct layout's size and every named field's offset against the
 * C struct. Each is its own dynamic test, named after what it compares.
 */
class SeccompAbiTest {
    /** Java names whose C macro is spelled otherwise (a leading underscore is no Java constant's). */
    private static final Map<String, String> MACRO_NAMES = Map.of("X32_SYSCALL_BIT", "__X32_SYSCALL_BIT");

    private static final List<StructLayout> LAYOUTS = List.of(SeccompAbi.SOCK_FILTER, SeccompAbi.SOCK_FPROG,
            SeccompAbi.SECCOMP_DATA, SeccompAbi.SECCOMP_NOTIF, SeccompAbi.SECCOMP_NOTIF_RESP);

    private record Check(String name, long javaValue, String cExpression, boolean truncateToInt) {
    }

    private static List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        for (Field f : SeccompAbi.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isPublic(m) || !Modifier.isStatic(m) || !Modifier.isFinal(m)) {
                continue;
            }
            try {
                if (f.getType() == int.class) {
                    checks.add(new Check(f.getName(), f.getInt(null),
                            MACRO_NAMES.getOrDefault(f.getName(), f.getName()), true));
                } else if (f.getType() == long.class) {
                    checks.add(new Check(f.getName(), f.getLong(null), f.getName(), false));
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        for (StructLayout s : LAYOUTS) {
            String c = "struct " + s.name().orElseThrow();
            checks.add(new Check("sizeof " + c, s.byteSize(), "sizeof(" + c + ")", false));
            for (MemoryLayout member : s.memberLayouts()) {
                if (member.name().isPresent()) {
                    String field = member.name().get();
                    checks.add(new Check("offsetof " + c + " " + field,
                            s.byteOffset(MemoryLayout.PathElement.groupElement(field)),
                            "offsetof(" + c + ", " + field + ")", false));
                    checks.add(new Check("sizeof " + c + " " + field, member.byteSize(),
                            "sizeof(((" + c + " *) 0)->" + field + ")", false));
                }
            }
        }
        return checks;
    }

    @TestFactory
    Stream<DynamicTest> constantsAndLayoutsMatchTheHeaders(@TempDir Path dir) throws Exception {
        List<Check> checks = checks();
        assertThat(checks).extracting(Check::name).contains("SECCOMP_RET_USER_NOTIF", "SECCOMP_IOCTL_NOTIF_RECV",
                "AUDIT_ARCH_X86_64", "X32_SYSCALL_BIT", "offsetof struct seccomp_notif data");
        CProgram program = new CProgram().include("stddef.h").include("sys/ioctl.h").include("linux/seccomp.h")
                .include("linux/filter.h").include("linux/audit.h").include("linux/prctl.h").include("asm/unistd.h");
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            if (c.name().equals(c.cExpression()) || MACRO_NAMES.containsKey(c.name())) {
                program.macroValue("c" + i, c.cExpression());
            } else {
                program.value("c" + i, c.cExpression());
            }
        }
        Map<String, Long> values = program.run(dir);
        return java.util.stream.IntStream.range(0, checks.size()).mapToObj(i -> {
            Check c = checks.get(i);
            return DynamicTest.dynamicTest(c.name(), () -> {
                Long v = values.get("c" + i);
                if (v == null) {
                    fail("the C headers define no " + c.cExpression());
                }
                long expected = c.truncateToInt() ? (long) v.intValue() : v;
                assertThat(c.javaValue()).as("%s vs C %s", c.name(), c.cExpression()).isEqualTo(expected);
            });
        });
    }
}
