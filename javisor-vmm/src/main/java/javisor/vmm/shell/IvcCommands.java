package javisor.vmm.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javisor.vm.ivc.IvcChannelInfo;
import javisor.vmm.control.JsonViews;

import static javisor.vmm.shell.CommandSpec.command;

/** The {@code ivc} group: the inter-VM channels (docs/hypercalls.md). */
final class IvcCommands {
    private IvcCommands() {
    }

    static CommandSpec group() {
        CommandSpec list = command("ivc list", "list the inter-VM channels", """
                Columns: CHANNEL (publisher VM id:key), PUBLISHER (its guest-physical address, or "gone" once
                unpublished while subscribers remain), SUBSCRIBERS (VM id@address), SIZE, NOTIFICATIONS.
                --format json prints {"channels":[{"publisher":1,"key":19030,"size":1052672,
                "publisher_address":2147483648,"subscribers":[{"vm":2,"address":2147483648}],"notifications":2}]}.""",
                ArgSpec.NONE, IvcCommands::list,
                OptionSpec.value('\0', "format", "FORMAT", "output format", "table", "json"));
        return new CommandSpec("ivc", "inter-VM channels", "Channels VMs publish and subscribe to by hypercall.",
                ArgSpec.NONE, List.of(), List.of(list), inv -> {
                    inv.shell().out().print(Help.forCommand(inv.command()));
                    return Outcome.SUCCESS;
                });
    }

    private static Outcome list(Invocation inv) {
        List<IvcChannelInfo> channels = inv.shell().vmm().ivcChannels();
        if (inv.args().value("format").orElse("table").equals("json")) {
            inv.shell().out().print(JsonViews.ivc(channels));
        } else {
            inv.shell().out().print(channels.isEmpty() ? "no channels\n" : table(channels));
        }
        return Outcome.SUCCESS;
    }

    static String table(List<IvcChannelInfo> channels) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CHANNEL", "PUBLISHER", "SUBSCRIBERS", "SIZE", "NOTIFICATIONS"});
        for (IvcChannelInfo c : channels) {
            StringBuilder subs = new StringBuilder();
            for (Map.Entry<Long, Long> s : c.subscriberAddresses().entrySet()) {
                subs.append(subs.isEmpty() ? "" : ",").append(s.getKey()).append("@0x")
                        .append(Long.toHexString(s.getValue()));
            }
            rows.add(new String[] {c.publisherId() + ":0x" + Long.toHexString(c.key()),
                    c.publisherAddress().isPresent()
                            ? c.publisherId() + "@0x" + Long.toHexString(c.publisherAddress().getAsLong()) : "gone",
                    subs.isEmpty() ? "-" : subs.toString(), Units.bytes(c.size()), Long.toString(c.notifications())});
        }
        return VmViews.columns(rows);
    }
}
