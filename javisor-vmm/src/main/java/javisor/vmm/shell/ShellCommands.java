package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;

/** Javisor's command tree: AxVisor's base commands, its file commands, wait, and the vm and ivc groups. */
final class ShellCommands {
    private ShellCommands() {
    }

    static CommandTree tree() {
        List<CommandSpec> top = new ArrayList<>(BaseCommands.specs());
        top.addAll(FileCommands.specs());
        top.add(VmCommands.group());
        top.add(IvcCommands.group());
        return new CommandTree(top);
    }
}
