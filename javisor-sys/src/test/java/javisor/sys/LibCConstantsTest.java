package javisor.sys;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks the libc constants {@link LibC} and {@link Errno} hard-code against the C headers, by the same
 * generated-program method as {@code KvmStructsTest}: every public int constant of both classes is
 * compared with the C macro of the same name.
 */
class LibCConstantsTest {

    private static List<Field> intConstants(Class<?> type) {
        return Stream.of(type.getDeclaredFields())
                .filter(f -> Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers())
                        && Modifier.isFinal(f.getModifiers()) && f.getType() == int.class)
                .toList();
    }

    private static int value(Field f) {
        try {
            return f.getInt(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static CProgram probe() {
        return new CProgram().include("errno.h").include("fcntl.h").include("signal.h").include("sys/mman.h")
                .include("sys/eventfd.h").include("linux/memfd.h").include("linux/falloc.h").include("linux/uio.h");
    }

    @TestFactory
    Stream<DynamicTest> libcAndErrnoConstantsMatchTheHeaders(@TempDir Path dir) throws Exception {
        List<Field> fields = Stream.concat(intConstants(LibC.class).stream(), intConstants(Errno.class).stream())
                .toList();
        assertThat(fields).extracting(Field::getName)
                .contains("O_RDWR", "O_CLOEXEC", "PROT_READ", "MAP_SHARED", "MAP_ANONYMOUS", "ENOENT", "EINTR");

        CProgram program = probe();
        fields.forEach(f -> program.macroValue(f.getName(), f.getName()));
        Map<String, Long> c = program.run(dir);

        return fields.stream().map(f -> DynamicTest.dynamicTest(
                f.getDeclaringClass().getSimpleName() + "." + f.getName(), () -> {
                    if (!c.containsKey(f.getName())) {
                        fail("the C headers define no macro " + f.getName());
                    }
                    assertThat((long) value(f)).as("%s.%s vs C %s", f.getDeclaringClass().getSimpleName(),
                            f.getName(), f.getName()).isEqualTo(c.get(f.getName()));
                }));
    }

    /** The struct sigaction {@link LibC#installNoOpHandler} fills is glibc's. */
    @Test
    void sigactionLayoutIsGlibcs(@TempDir Path dir) throws Exception {
        Map<String, Long> c = probe().include("stddef.h").value("size", "sizeof(struct sigaction)")
                .value("flags", "offsetof(struct sigaction, sa_flags)")
                .value("handler", "offsetof(struct sigaction, sa_handler)").run(dir);
        assertThat(c).containsEntry("size", LibC.SIGACTION_SIZE).containsEntry("flags", LibC.SIGACTION_FLAGS_OFFSET)
                .containsEntry("handler", 0L);
    }

    /** The kick signal must be a real-time signal (they queue and have no default meaning to glibc). */
    @Test
    void kickSignalIsARealTimeSignal(@TempDir Path dir) throws Exception {
        Map<String, Long> c = probe().value("SIGRTMIN", "SIGRTMIN").value("SIGRTMAX", "SIGRTMAX").run(dir);
        assertThat((long) VcpuKick.SIGNAL).isBetween(c.get("SIGRTMIN"), c.get("SIGRTMAX"));
    }
}
