package javisor.vmm.shell;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import javisor.vm.config.VmConfig;
import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;
import javisor.vmm.control.ConfigOverrides;
import javisor.vmm.control.JsonViews;
import javisor.vmm.control.VmOperations;
import javisor.vmm.control.VmRefs;

import static javisor.vmm.shell.CommandSpec.command;

/**
 * The {@code vm} group: AxVisor's create, start, stop, suspend, resume, restart, delete, list and show, with
 * the options AxVisor parses but ignores made to work, plus {@code vm console} and {@code vm stats}.
 */
final class VmCommands {
    /** How long {@code vm stop -g} waits for the guest to shut itself down. */
    private static final Duration GRACEFUL_TIMEOUT = Duration.ofSeconds(30);
    private static final OptionSpec FORCE_STOP = OptionSpec.flag('f', "force",
            "also act on a VM that is already stopping, waiting for it");

    private VmCommands() {
    }

    static CommandSpec group() {
        List<CommandSpec> subs = List.of(
                command("vm list", "list the VMs", """
                        Columns: ID, NAME, STATE, VCPUS, MEMORY (guest RAM), UPTIME ("-" unless running).
                        --format json prints {"vms":[{"id":1,"name":"hello","state":"running","vcpus":1,
                        "memory":67108864,"uptime_ms":1234,"exits":5678}]}, memory in bytes, exits summed over the
                        vCPUs (the multi-VM API's GET /vms answers the same). Every VM the hypervisor has is
                        listed, stopped ones included; -a adds the VMs deleted lately (state "deleted"), as they
                        were when they went.""",
                        ArgSpec.NONE, VmCommands::list,
                        OptionSpec.flag('a', "all", "list deleted VMs too"),
                        OptionSpec.value('\0', "format", "FORMAT", "output format", "table", "json")),
                command("vm show", "show a VM", """
                        Shows the VM's state, vCPUs, memory, uptime, why it stopped, its kernel, console log and
                        config file.""",
                        ArgSpec.one("ID", ValueKind.VM_ID), VmCommands::show,
                        OptionSpec.flag('f', "full", "also show memory regions, kernel, devices, pinning, stats"),
                        OptionSpec.flag('c', "config", "also print the VM's config as TOML"),
                        OptionSpec.flag('s', "stats", "also show the exit statistics")),
                command("vm stats", "show a VM's exits by reason, uptime and memory", """
                        Exits by reason summed over the vCPUs, then each vCPU's.""",
                        ArgSpec.one("ID", ValueKind.VM_ID), VmCommands::stats),
                command("vm create", "create VMs from config files", """
                        Reads each AxVisor-style TOML config and builds the VM; it is left LOADED (start it with
                        'vm start'), or boots at once with -s. A relative CFG starts from the shell's working
                        directory ('cd', 'pwd'); the config's image paths start from the config's folder. The
                        options change every config given: --name its name, --cpu its cpu_num, --memory the size
                        of its first memory region. A VM id already in use is refused unless --force, which
                        deletes that VM (and its console log) first.""",
                        ArgSpec.oneOrMore("CFG", ValueKind.FILE), VmCommands::create,
                        OptionSpec.value('n', "name", "NAME", "use NAME instead of the config's name"),
                        OptionSpec.value('c', "cpu", "N", "use N vCPUs instead of the config's cpu_num"),
                        OptionSpec.value('m', "memory", "MiB", "make the first memory region MiB mebibytes"),
                        OptionSpec.flag('f', "force", "replace a VM that has the same id"),
                        OptionSpec.flag('s', "start", "start each VM once built, as 'vm start' does")),
                command("vm start", "start VMs (every LOADED or STOPPED one when no ID is given)", """
                        A LOADED VM boots; a STOPPED one is rebuilt from its config and images and boots afresh.
                        The shell returns at once (-d, the default); with -c it attaches to the VM's console as
                        'vm console' does.""",
                        ArgSpec.any("ID", ValueKind.VM_ID), VmCommands::start,
                        OptionSpec.flag('d', "detach", "return to the shell once started (the default)"),
                        OptionSpec.flag('c', "console", "attach to the console once started (one ID only)")),
                command("vm stop", "stop VMs", """
                        Kicks every vCPU out of the guest and waits for the VM to reach STOPPED. A LOADED VM just
                        becomes STOPPED. With -g the guest is asked to shut itself down first, as the ACPI power
                        button asks a PC's OS (Linux powers off if acpid or systemd-logind runs); after --timeout
                        seconds (default 30) it is stopped as without -g.""",
                        ArgSpec.oneOrMore("ID", ValueKind.VM_ID), VmCommands::stop, FORCE_STOP,
                        OptionSpec.flag('g', "graceful", "press the ACPI power button and wait for a shutdown"),
                        OptionSpec.value('t', "timeout", "SECONDS", "with -g: how long to wait (default 30)")),
                command("vm suspend", "pause running VMs", """
                        Every vCPU leaves the guest and waits; 'vm resume' continues where it stopped.""",
                        ArgSpec.oneOrMore("ID", ValueKind.VM_ID), VmCommands::suspend),
                command("vm resume", "continue suspended VMs", "",
                        ArgSpec.oneOrMore("ID", ValueKind.VM_ID), VmCommands::resume),
                command("vm restart", "reset VMs: stop, rebuild from the config, boot", """
                        A running or suspended VM is stopped first; a LOADED or STOPPED one just boots. The guest
                        gets fresh memory and vCPUs, as after a power cycle.""",
                        ArgSpec.oneOrMore("ID", ValueKind.VM_ID), VmCommands::restart, FORCE_STOP),
                command("vm delete", "delete a VM", """
                        A STOPPED VM is deleted at once; any other needs --force, which stops it first. Its
                        console log file is removed too unless --keep-data.""",
                        ArgSpec.one("ID", ValueKind.VM_ID), VmCommands::delete,
                        OptionSpec.flag('f', "force", "delete a VM that is not STOPPED, stopping it first"),
                        OptionSpec.flag('\0', "keep-data", "keep the VM's console log file")),
                command("vm console", "attach to a VM's serial console", """
                        Shows the console's recent output, then connects the terminal to the VM's serial port:
                        what the guest prints appears, what you type goes to the guest (Ctrl-C too).
                        Ctrl-] returns to the shell; so does the VM stopping. In a script (standard input not a
                        terminal) it prints the recent output and returns.""",
                        ArgSpec.one("ID", ValueKind.VM_ID), VmCommands::console));
        CommandSpec help = command("vm help", "show the vm commands, or one's help", "",
                ArgSpec.optional("COMMAND", ValueKind.COMMAND), VmCommands::help);
        List<CommandSpec> all = new ArrayList<>(subs);
        all.add(help);
        return new CommandSpec("vm", "manage virtual machines", """
                ID is a VM's id as 'vm list' shows it, or its name when no other VM has that name.""",
                ArgSpec.NONE, List.of(), all, VmCommands::groupHelp);
    }

    private static Outcome groupHelp(Invocation inv) {
        inv.shell().out().print(Help.forCommand(inv.command()));
        return Outcome.SUCCESS;
    }

    private static Outcome help(Invocation inv) {
        CommandTree tree = inv.shell().commands();
        List<String> p = new ArrayList<>(List.of("vm"));
        p.addAll(inv.args().positionals());
        inv.shell().out().print(Help.forCommand(tree.find(p)));
        return Outcome.SUCCESS;
    }

    private static VmOperations ops(Invocation inv) {
        return new VmOperations(inv.shell().vmm());
    }

    private static Outcome list(Invocation inv) {
        List<VmInfo> vms = ops(inv).list(inv.flag("all"));
        String format = inv.args().value("format").orElse("table");
        if (format.equals("json")) {
            inv.shell().out().print(JsonViews.vms(vms));
        } else {
            inv.shell().out().print(vms.isEmpty() ? "no VMs\n" : VmViews.table(vms));
        }
        return Outcome.SUCCESS;
    }

    private static Outcome show(Invocation inv) {
        Vmm vmm = inv.shell().vmm();
        long id = VmRefs.resolve(vmm, inv.args().positionals().getFirst());
        VmInfo v = vmm.info(id);
        VmConfig c = vmm.config(id);
        StringBuilder sb = new StringBuilder(VmViews.basic(v, c));
        boolean full = inv.flag("full");
        if (full) {
            sb.append(VmViews.details(c));
            sb.append(VmViews.devices(vmm.vm(id).virtioDevices()));
        }
        if (full || inv.flag("stats")) {
            sb.append(VmViews.stats(v));
        }
        if (inv.flag("config")) {
            sb.append("config:\n").append(c.toToml());
        }
        inv.shell().out().print(sb);
        return Outcome.SUCCESS;
    }

    private static Outcome stats(Invocation inv) {
        inv.shell().out().print(VmViews.stats(ops(inv).info(inv.args().positionals().getFirst())));
        return Outcome.SUCCESS;
    }

    private static Outcome create(Invocation inv) throws InterruptedException {
        ConfigOverrides overrides = new ConfigOverrides(inv.args().value("name"),
                inv.args().value("cpu").map(s -> OptionalInt.of((int) number("--cpu", s, Integer.MAX_VALUE)))
                        .orElse(OptionalInt.empty()),
                inv.args().value("memory").map(s -> OptionalLong.of(number("--memory", s, Long.MAX_VALUE)))
                        .orElse(OptionalLong.empty()));
        VmOperations ops = ops(inv);
        boolean force = inv.flag("force");
        boolean start = inv.flag("start");
        return each(inv, inv.args().positionals(), file -> {
            Path config = inv.shell().cwd().resolve(file);
            for (VmOperations.Done d : start ? ops.createAndStart(config, overrides, force)
                    : ops.create(config, overrides, force)) {
                inv.shell().out().println(d.message());
            }
        });
    }

    private static long number(String option, String s, long max) {
        try {
            long n = Long.parseLong(s.replace("_", ""));
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ShellException(option + " expects a number, got '" + s + "'");
    }

    private static Outcome start(Invocation inv) throws Exception {
        VmOperations ops = ops(inv);
        List<String> ids = inv.args().positionals();
        boolean console = inv.flag("console");
        if (console && inv.flag("detach")) {
            throw new ShellException("--detach and --console cannot be combined");
        }
        if (console && ids.size() != 1) {
            throw new ShellException("--console attaches to one VM: give exactly one ID");
        }
        List<String> targets = ids;
        if (ids.isEmpty()) {
            // AxVisor's 'vm start' without ids: every VM that can start; the others are left as they are
            targets = ops.startable();
            if (targets.isEmpty()) {
                inv.shell().out().println(ops.list(false).isEmpty() ? "there are no VMs"
                        : "no VM is LOADED or STOPPED");
                return Outcome.SUCCESS;
            }
        }
        Outcome outcome = each(inv, targets, ref -> print(inv, ops.start(ref)));
        if (console && outcome == Outcome.SUCCESS) {
            return attach(inv, ops.resolve(ids.getFirst()));
        }
        return outcome;
    }

    private static Outcome stop(Invocation inv) throws InterruptedException {
        VmOperations ops = ops(inv);
        boolean force = inv.flag("force");
        boolean graceful = inv.flag("graceful");
        Optional<String> timeoutText = inv.args().value("timeout");
        if (timeoutText.isPresent() && !graceful) {
            throw new ShellException("--timeout goes with -g (--graceful)");
        }
        Duration timeout = timeoutText.map(t -> Units.seconds("--timeout", t)).orElse(GRACEFUL_TIMEOUT);
        return each(inv, inv.args().positionals(),
                ref -> print(inv, graceful ? ops.stopGracefully(ref, timeout) : ops.stop(ref, force)));
    }

    private static Outcome suspend(Invocation inv) throws InterruptedException {
        VmOperations ops = ops(inv);
        return each(inv, inv.args().positionals(), ref -> print(inv, ops.suspend(ref)));
    }

    private static Outcome resume(Invocation inv) throws InterruptedException {
        VmOperations ops = ops(inv);
        return each(inv, inv.args().positionals(), ref -> print(inv, ops.resume(ref)));
    }

    private static Outcome restart(Invocation inv) throws InterruptedException {
        VmOperations ops = ops(inv);
        boolean force = inv.flag("force");
        return each(inv, inv.args().positionals(), ref -> print(inv, ops.restart(ref, force)));
    }

    private static Outcome delete(Invocation inv) {
        print(inv, ops(inv).delete(inv.args().positionals().getFirst(), inv.flag("force"), inv.flag("keep-data")));
        return Outcome.SUCCESS;
    }

    private static void print(Invocation inv, VmOperations.Done done) {
        inv.shell().out().println(done.message());
    }

    private static Outcome console(Invocation inv) throws Exception {
        Vmm vmm = inv.shell().vmm();
        return attach(inv, VmRefs.resolve(vmm, inv.args().positionals().getFirst()));
    }

    /** The terminal attaches; a script gets the recent output instead (there is nobody to type). */
    private static Outcome attach(Invocation inv, long id) throws Exception {
        Vmm vmm = inv.shell().vmm();
        Optional<ConsoleAttacher> attacher = inv.shell().consoles();
        if (attacher.isPresent()) {
            attacher.get().attach(vmm, id);
        } else {
            String recent = new String(vmm.console(id).recentOutput(), StandardCharsets.UTF_8);
            inv.shell().out().print(recent.isEmpty() || recent.endsWith("\n") ? recent : recent + "\n");
        }
        return Outcome.SUCCESS;
    }

    /** Runs {@code action} on every word; one failing does not stop the others, but fails the command. */
    private static Outcome each(Invocation inv, List<String> words, WordAction action) throws InterruptedException {
        boolean ok = true;
        for (String w : words) {
            try {
                action.run(w);
            } catch (RuntimeException e) {
                inv.shell().error(Errors.message(e));
                ok = false;
            }
        }
        return ok ? Outcome.SUCCESS : Outcome.FAILURE;
    }

    @FunctionalInterface
    private interface WordAction {
        void run(String word) throws InterruptedException;
    }
}
