package javisor.vm.toml;

/**
 * The grammar of TOML integer and float literals. It is shared by the TOML parser and by config fields that
 * accept a number written as a string ({@code "0x8000_0000"}), so both read numbers the same way.
 */
public final class TomlNumbers {

    /** A literal that is not a valid number; the message says why. */
    public static final class BadNumber extends Exception {
        BadNumber(String message) {
            super(message, null, false, false);
        }
    }

    /** @param unsigned the 64 bits of {@code value} are an unsigned number */
    public record Parsed(long value, boolean unsigned) {
    }

    private TomlNumbers() {
    }

    /**
     * Parses a TOML integer literal: decimal with an optional sign, or {@code 0x}/{@code 0o}/{@code 0b}
     * without a sign, {@code _} allowed between digits. Hex, octal and binary literals are read as unsigned
     * 64-bit. {@code lenient} is for numbers in strings: it also accepts upper-case prefixes and decimal
     * values up to 2^64-1.
     */
    public static Parsed parseInteger(String s, boolean lenient) throws BadNumber {
        if (s.isEmpty()) {
            throw new BadNumber("empty number");
        }
        int i = 0;
        boolean negative = false;
        char first = s.charAt(0);
        if (first == '+' || first == '-') {
            negative = first == '-';
            i = 1;
        }
        if (s.length() - i >= 2 && s.charAt(i) == '0' && Character.isLetter(s.charAt(i + 1))) {
            char p = s.charAt(i + 1);
            char prefix = lenient ? Character.toLowerCase(p) : p;
            int radix = switch (prefix) {
                case 'x' -> 16;
                case 'o' -> 8;
                case 'b' -> 2;
                default -> throw new BadNumber("unknown number prefix 0" + p + " (use 0x, 0o or 0b)");
            };
            if (i != 0) {
                throw new BadNumber("a sign is not allowed on a 0" + p + " number");
            }
            return new Parsed(unsignedDigits(s, 2, radix), true);
        }
        if (i == s.length()) {
            throw new BadNumber("a sign must be followed by digits");
        }
        if (s.charAt(i) == '0' && s.length() > i + 1) {
            throw new BadNumber("leading zeros are not allowed in decimal numbers (0x, 0o and 0b are prefixes)");
        }
        if (negative) {
            long magnitude = unsignedDigits(s, i, 10);
            if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
                throw new BadNumber("number is below the 64-bit range");
            }
            return new Parsed(-magnitude, false);
        }
        long v = unsignedDigits(s, i, 10);
        if (v < 0 && !lenient) {
            throw new BadNumber("number does not fit in a signed 64-bit integer; write values of 2^63 and above"
                    + " in hex");
        }
        return new Parsed(v, v < 0);
    }

    /** Digits of the given radix from {@code start}, with {@code _} only between digits, as unsigned 64-bit. */
    private static long unsignedDigits(String s, int start, int radix) throws BadNumber {
        if (start >= s.length()) {
            throw new BadNumber("missing digits");
        }
        long value = 0;
        boolean previousWasDigit = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') {
                if (!previousWasDigit || i + 1 == s.length()) {
                    throw new BadNumber("'_' must be between two digits");
                }
                previousWasDigit = false;
                continue;
            }
            int d = Character.digit(c, radix);
            if (d < 0 || c > 0x7f) {
                throw new BadNumber("'" + c + "' is not a " + radixName(radix) + " digit");
            }
            // value * radix + d must stay below 2^64
            long limit = Long.divideUnsigned(-1L - d, radix);
            if (Long.compareUnsigned(value, limit) > 0) {
                throw new BadNumber("number does not fit in 64 bits");
            }
            value = value * radix + d;
            previousWasDigit = true;
        }
        return value;
    }

    private static String radixName(int radix) {
        return switch (radix) {
            case 16 -> "hex";
            case 8 -> "octal";
            case 2 -> "binary";
            default -> "decimal";
        };
    }

    /**
     * Parses a TOML float: {@code [+-]inf}, {@code [+-]nan}, or a decimal integer part followed by a
     * fraction, an exponent or both.
     */
    static double parseFloat(String s) throws BadNumber {
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            i = 1;
        }
        String body = s.substring(i);
        if (body.equals("inf") || body.equals("nan")) {
            double v = body.equals("inf") ? Double.POSITIVE_INFINITY : Double.NaN;
            return s.charAt(0) == '-' ? -v : v;
        }
        int end = digitRun(s, i);
        if (end == i) {
            throw new BadNumber("a float must start with a digit");
        }
        if (s.charAt(i) == '0' && end > i + 1) {
            throw new BadNumber("leading zeros are not allowed");
        }
        boolean fractionOrExponent = false;
        if (end < s.length() && s.charAt(end) == '.') {
            int fractionEnd = digitRun(s, end + 1);
            if (fractionEnd == end + 1) {
                throw new BadNumber("a '.' must be followed by digits");
            }
            end = fractionEnd;
            fractionOrExponent = true;
        }
        if (end < s.length() && (s.charAt(end) == 'e' || s.charAt(end) == 'E')) {
            int j = end + 1;
            if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            int exponentEnd = digitRun(s, j);
            if (exponentEnd == j) {
                throw new BadNumber("an exponent needs digits");
            }
            end = exponentEnd;
            fractionOrExponent = true;
        }
        if (end != s.length() || !fractionOrExponent) {
            throw new BadNumber("not a number");
        }
        return Double.parseDouble(s.replace("_", ""));
    }

    /** The end of a run of decimal digits with {@code _} between digits; throws on a misplaced {@code _}. */
    private static int digitRun(String s, int start) throws BadNumber {
        int i = start;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                i++;
            } else if (c == '_') {
                if (i == start || i + 1 >= s.length() || s.charAt(i + 1) < '0' || s.charAt(i + 1) > '9') {
                    throw new BadNumber("'_' must be between two digits");
                }
                i++;
            } else {
                break;
            }
        }
        return i;
    }
}
