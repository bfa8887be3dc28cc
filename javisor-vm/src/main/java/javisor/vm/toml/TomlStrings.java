package javisor.vm.toml;

/** Writing strings and keys in TOML syntax, for messages and for {@link VmConfigWriter}. */
public final class TomlStrings {
    private static final int ABBREVIATE_AT = 60;

    private TomlStrings() {
    }

    /** {@code s} as a TOML basic string: quotes, backslashes and control characters escaped. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A key as written in a key path for messages: bare if it can be, quoted otherwise, cut short if long. */
    public static String key(String k) {
        String shortened = abbreviate(k);
        return isBareKey(k) ? shortened : quote(shortened);
    }

    static boolean isBareKey(String k) {
        if (k.isEmpty()) {
            return false;
        }
        for (int i = 0; i < k.length(); i++) {
            if (!isBareKeyChar(k.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isBareKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** Long user text cut short, so that one bad value cannot flood a message. */
    static String abbreviate(String s) {
        return s.length() <= ABBREVIATE_AT ? s : s.substring(0, ABBREVIATE_AT) + "...";
    }
}
