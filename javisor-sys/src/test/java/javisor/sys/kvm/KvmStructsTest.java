package javisor.sys.kvm;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import javisor.sys.CProgram;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks the Java side of the KVM ABI against {@code <linux/kvm.h>}: the size of every struct in
 * {@link KvmStructs}, the offset and size of every named field in it, every ioctl number in
 * {@link KvmIoctls} and every constant in {@link KvmConstants}.
 *
 * <p>The check table is built from the Java classes by reflection, the C program from the table, so a
 * field, ioctl or constant added on the Java side is checked without touching this test. Each entry is
 * its own dynamic test named after the struct and field, so a mismatch says exactly what is wrong.
 */
class KvmStructsTest {

    /** Java groups that C declares as anonymous unions or structs: they have no name in a C field path. */
    private static final Map<String, Set<String>> ANONYMOUS_IN_C = Map.of("kvm_run", Set.of("exit"));

    /**
     * Layouts that describe only the leading part of the C struct (Javisor reads a prefix of kvm_run):
     * their size must not exceed the C size, every field in them must still match.
     */
    private static final Set<String> PREFIX_LAYOUTS = Set.of("kvm_run");

    /** KvmConstants fields with no {@code KVM_} macro in the headers (none today). */
    private static final Set<String> CONSTANTS_WITHOUT_MACRO = Set.of();

    /** Constants kept outside KvmConstants that also come from the KVM headers, by C macro. */
    private static final Map<String, Long> OTHER_CONSTANTS = Map.of(
            "KVM_CPUID_FLAG_SIGNIFCANT_INDEX", (long) CpuidEntry.FLAG_SIGNIFICANT_INDEX);

    /** The kvm_run fields KvmRun decodes: the table must keep checking each of them. */
    private static final List<String> KVM_RUN_FIELDS_READ_BY_KVMRUN = List.of(
            "immediate_exit", "exit_reason",
            "exit.io.direction", "exit.io.size", "exit.io.port", "exit.io.count", "exit.io.data_offset",
            "exit.mmio.phys_addr", "exit.mmio.data", "exit.mmio.len", "exit.mmio.is_write",
            "exit.fail_entry.hardware_entry_failure_reason",
            "exit.internal.suberror", "exit.internal.ndata", "exit.internal.data",
            "exit.emulation_failure.flags", "exit.emulation_failure.insn_size",
            "exit.emulation_failure.insn_bytes",
            "exit.system_event.type",
            "kvm_valid_regs", "kvm_dirty_regs", "s.regs.regs", "s.regs.sregs.cs.l");

    /**
     * One value to compare: {@code javaValue} against the C expression's value.
     *
     * @param group       what the check belongs to (a struct, "ioctls", "constants")
     * @param description what is compared, e.g. "offsetof exit.io.port"
     */
    record Check(String group, String description, long javaValue, String cExpression, boolean isMacro) {
        String key() {
            return group + " " + description;
        }

        /** C answers that may exceed the Java value (the size of a struct Java describes a prefix of). */
        boolean javaMayBeSmaller() {
            return description.equals("sizeof") && PREFIX_LAYOUTS.contains(group);
        }
    }

    // ---------------------------------------------------------------- the table, built from the Java side

    static List<StructLayout> structLayouts() {
        List<StructLayout> layouts = new ArrayList<>();
        for (Field f : publicConstants(KvmStructs.class)) {
            if (f.getType() == StructLayout.class) {
                layouts.add((StructLayout) get(f));
            }
        }
        return layouts;
    }

    static List<Check> structChecks(StructLayout layout) {
        String struct = layout.name().orElseThrow(() -> new AssertionError(
                "a layout in KvmStructs has no name; give it .withName(\"kvm_...\"), the C struct's tag: " + layout));
        List<Check> checks = new ArrayList<>();
        checks.add(new Check(struct, "sizeof", layout.byteSize(), "sizeof(struct " + struct + ")", false));
        addMembers(struct, layout, layout, List.of(), checks);
        return checks;
    }

    /** Adds an offsetof and a sizeof check for every named member of {@code group}, recursively. */
    private static void addMembers(String struct, StructLayout root, GroupLayout group, List<String> javaPath,
                                   List<Check> checks) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member.name().isEmpty()) {
                continue; // unnamed padding: covered by the sizes around it
            }
            List<String> path = new ArrayList<>(javaPath);
            path.add(member.name().get());
            String javaName = String.join(".", path);
            String cPath = cPath(struct, path);
            if (!cPath.isEmpty()) {
                PathElement[] elements = path.stream().map(PathElement::groupElement).toArray(PathElement[]::new);
                checks.add(new Check(struct, "offsetof " + javaName, root.byteOffset(elements),
                        "offsetof(struct " + struct + ", " + cPath + ")", false));
                checks.add(new Check(struct, "sizeof " + javaName, member.byteSize(),
                        "sizeof(((struct " + struct + " *) 0)->" + cPath + ")", false));
            }
            if (member instanceof GroupLayout nested) {
                addMembers(struct, root, nested, path, checks);
            }
        }
    }

    /** The C field designator for a Java member path: the groups C leaves anonymous are dropped. */
    private static String cPath(String struct, List<String> javaPath) {
        Set<String> anonymous = ANONYMOUS_IN_C.getOrDefault(struct, Set.of());
        return String.join(".", javaPath.stream().filter(name -> !anonymous.contains(name)).toList());
    }

    static List<Check> ioctlChecks() {
        List<Check> checks = new ArrayList<>();
        for (Field f : publicConstants(KvmIoctls.class)) {
            checks.add(new Check("ioctls", f.getName(), number(f), f.getName(), true));
        }
        return checks;
    }

    static List<Check> constantChecks() {
        List<Check> checks = new ArrayList<>();
        for (Field f : publicConstants(KvmConstants.class)) {
            if (!CONSTANTS_WITHOUT_MACRO.contains(f.getName())) {
                String macro = "KVM_" + f.getName();
                checks.add(new Check("constants", macro + " (KvmConstants." + f.getName() + ")", number(f), macro, true));
            }
        }
        OTHER_CONSTANTS.forEach((macro, value) -> checks.add(new Check("constants", macro, value, macro, true)));
        return checks;
    }

    static List<Check> allChecks() {
        List<Check> checks = new ArrayList<>();
        structLayouts().forEach(l -> checks.addAll(structChecks(l)));
        checks.addAll(ioctlChecks());
        checks.addAll(constantChecks());
        return checks;
    }

    // ---------------------------------------------------------------- the tests

    @TestFactory
    Stream<DynamicNode> javaMatchesLinuxKvmHeader(@TempDir Path dir) throws Exception {
        List<Check> checks = allChecks();
        CProgram program = new CProgram().include("linux/kvm.h").include("stddef.h");
        for (Check c : checks) {
            if (c.isMacro()) {
                program.macroValue(c.key(), c.cExpression());
            } else {
                program.value(c.key(), c.cExpression());
            }
        }
        Map<String, Long> c = program.run(dir);

        Map<String, List<Check>> byGroup = new LinkedHashMap<>();
        checks.forEach(check -> byGroup.computeIfAbsent(check.group(), g -> new ArrayList<>()).add(check));
        return byGroup.entrySet().stream().map(group -> DynamicContainer.dynamicContainer(group.getKey(),
                group.getValue().stream().map(check -> DynamicTest.dynamicTest(check.description(),
                        () -> compare(check, c)))));
    }

    private static void compare(Check check, Map<String, Long> c) {
        String what = check.group() + ": " + check.description() + " (C: " + check.cExpression() + ")";
        if (!c.containsKey(check.key())) {
            fail(what + ": the C headers do not define " + check.cExpression());
        }
        long expected = c.get(check.key());
        if (check.javaMayBeSmaller()) {
            assertThat(check.javaValue()).as("%s: Java describes a prefix of the C struct", what)
                    .isPositive().isLessThanOrEqualTo(expected);
        } else {
            assertThat(check.javaValue()).as("%s: Java 0x%x, C 0x%x", what, check.javaValue(), expected)
                    .isEqualTo(expected);
        }
    }

    /** Guards the table itself: the reflection must find what the rest of javisor-sys relies on. */
    @Test
    void tableCoversEveryStructFieldIoctlAndConstantJavisorUses() {
        List<Check> checks = allChecks();
        List<String> descriptions = checks.stream().map(Check::key).toList();

        assertThat(structLayouts()).extracting(l -> l.name().orElse("?")).contains(
                "kvm_regs", "kvm_sregs", "kvm_segment", "kvm_dtable", "kvm_fpu", "kvm_userspace_memory_region",
                "kvm_cpuid_entry2", "kvm_cpuid2", "kvm_msr_entry", "kvm_msrs", "kvm_translation", "kvm_run");
        for (String field : KVM_RUN_FIELDS_READ_BY_KVMRUN) {
            assertThat(descriptions).as("kvm_run field checked").contains("kvm_run offsetof " + field);
        }
        assertThat(descriptions).contains("ioctls KVM_RUN", "ioctls KVM_GET_REGS", "ioctls KVM_SET_SREGS",
                "ioctls KVM_SET_USER_MEMORY_REGION",
                "constants KVM_EXIT_IO (KvmConstants.EXIT_IO)", "constants KVM_CAP_IMMEDIATE_EXIT (KvmConstants.CAP_IMMEDIATE_EXIT)",
                "constants KVM_MEM_READONLY (KvmConstants.MEM_READONLY)");
        assertThat(descriptions).doesNotHaveDuplicates();
    }

    /** Values measured on a real machine with a C program (docs/ENVIRONMENT): a check that needs no gcc. */
    @Test
    void knownIoctlNumbersAndOffsets() {
        assertThat(KvmIoctls.KVM_RUN).isEqualTo(0xAE80L);
        assertThat(KvmIoctls.KVM_SET_USER_MEMORY_REGION).isEqualTo(0x4020AE46L);
        assertThat(KvmIoctls.KVM_GET_SREGS).isEqualTo(0x8138AE83L);
        assertThat(KvmStructs.KVM_RUN.byteOffset(PathElement.groupElement("immediate_exit"))).isEqualTo(1);
        assertThat(KvmStructs.KVM_RUN.byteOffset(PathElement.groupElement("exit_reason"))).isEqualTo(8);
        assertThat(KvmStructs.KVM_RUN.byteOffset(PathElement.groupElement("exit"))).isEqualTo(32);
        assertThat(KvmStructs.KVM_REGS.byteSize()).isEqualTo(144);
        assertThat(KvmStructs.KVM_SREGS.byteSize()).isEqualTo(312);
    }

    // ---------------------------------------------------------------- reflection helpers

    private static List<Field> publicConstants(Class<?> type) {
        return Stream.of(type.getDeclaredFields())
                .filter(f -> Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers())
                        && Modifier.isFinal(f.getModifiers()))
                .toList();
    }

    private static Object get(Field f) {
        try {
            return f.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static long number(Field f) {
        Object v = get(f);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new AssertionError(f + " is not an int or long constant");
    }
}
