package javisor.vm.config;

import java.nio.file.Path;
import java.util.Optional;

import javisor.sys.net.Tap;
import javisor.vm.toml.TomlStrings;

/**
 * Checks shared by the model's constructors and the parser. Each returns the problem in "expected X, got Y"
 * form, or empty: the parser attaches the file, line and key; a constructor throws it as an
 * IllegalArgumentException naming the field.
 */
final class Checks {
    private Checks() {
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** {@code base + length} as unsigned 64-bit must not pass 2^64. */
    static Optional<String> rangeFits(long base, long length) {
        return Long.compareUnsigned(base + length, base) < 0
                ? Optional.of("expected a range below 2^64, got " + hex(base) + " + " + hex(length)
                        + ", which overflows")
                : Optional.empty();
    }

    static Optional<String> nonEmptyPath(Path p) {
        return p.toString().isEmpty() ? Optional.of("expected a non-empty path") : Optional.empty();
    }

    /** Names are shown in the shell's tables, where control characters would garble the output. */
    static Optional<String> displayName(String s) {
        if (s.isEmpty()) {
            return Optional.of("expected a non-empty name");
        }
        return s.chars().anyMatch(Character::isISOControl)
                ? Optional.of("expected a name without control characters, got " + TomlStrings.quote(s))
                : Optional.empty();
    }

    /** A Linux network interface name: 1 to 15 printable characters, no '/', ':' or spaces (IFNAMSIZ - 1). */
    static Optional<String> interfaceName(String s) {
        return Tap.validName(s) ? Optional.empty() : Optional.of("expected a network interface name (1 to 15 printable characters, "
                + "no '/', ':' or spaces), got " + TomlStrings.quote(s));
    }

    /** Throws the problem, if any, for a constructor argument. */
    static void require(String field, Optional<String> problem) {
        if (problem.isPresent()) {
            throw new IllegalArgumentException(field + ": " + problem.get());
        }
    }
}
