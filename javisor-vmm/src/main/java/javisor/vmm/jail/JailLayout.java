package javisor.vmm.jail;

import java.util.List;

/** Where things are inside every jail: the paths the jailer owns, and those the VMM may write. */
public final class JailLayout {
    /** The Java runtime image, bound read-only. */
    public static final String RUNTIME = "/javisor/runtime";
    /** Javisor's jars (the VMM's module path), bound read-only. */
    public static final String LIB = "/javisor/lib";
    /** util-linux's setpriv, which drops to the VMM's user once the host's root is gone (JailEntry says why). */
    public static final String SETPRIV = "/javisor/bin/setpriv";
    /** Owned by the VMM's user: the place for its API socket (Firecracker's jailer gives it the whole root). */
    public static final String RUN = "/run";
    /** The VMM's temporary files (mode 1777). */
    public static final String TMP = "/tmp";
    /** Where the old root is put by pivot_root, and detached at once. */
    public static final String OLD_ROOT = "/.old-root";

    /** Paths a --file may not take: the jailer's own (the C libraries' folders are checked against the plan). */
    static final List<String> RESERVED = List.of("/javisor", "/dev", "/proc", "/run", "/tmp", OLD_ROOT,
            "/lib", "/lib64", "/usr");

    private JailLayout() {
    }
}
