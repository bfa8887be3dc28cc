package javisor.vmm.control;

import java.util.List;
import java.util.regex.Pattern;

import javisor.vmm.VmmException;
import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;

/**
 * Turns the word a user typed for a VM into its id. A number is an id (AxVisor takes only ids); anything else is
 * looked up as a name, which must be unique, where AxVisor says "name lookup not implemented".
 */
public final class VmRefs {
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private VmRefs() {
    }

    public static long resolve(Vmm vmm, String word) {
        if (DIGITS.matcher(word).matches()) {
            try {
                return Long.parseLong(word);
            } catch (NumberFormatException e) {
                throw new VmmException(VmmException.Kind.INVALID, "VM id " + word + " is too large");
            }
        }
        List<VmInfo> named = vmm.list().stream().filter(v -> v.name().equals(word)).toList();
        return switch (named.size()) {
            case 0 -> throw new VmmException(VmmException.Kind.NOT_FOUND, "no VM with id or name '" + word + "'");
            case 1 -> named.getFirst().id();
            default -> throw new VmmException(VmmException.Kind.INVALID, "several VMs are named '" + word + "' (ids "
                    + String.join(", ", named.stream().map(v -> Long.toString(v.id())).toList()) + "); give the id");
        };
    }
}
