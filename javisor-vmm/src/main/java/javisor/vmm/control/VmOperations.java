package javisor.vmm.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javisor.vm.Vm;
import javisor.vm.VmState;
import javisor.vm.config.VmConfig;
import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;
import javisor.vmm.VmInfo;
import javisor.vmm.VmmException;

/**
 * The lifecycle operations as a user asks for them, by a VM's id or name: what the shell's {@code vm} commands
 * and the multi-VM API both call, so that both do the same and refuse with the same words. Each returns the line
 * the shell prints ({@code "stopped VM 1 (hello)"}), which the API answers with too; a refusal is a
 * {@link VmmException} whose {@link VmmException#kind() kind} the API turns into a status code. Configs and
 * images that cannot be read throw the config module's exceptions, with the file and key in the message.
 */
public final class VmOperations {
    private final Vmm vmm;

    public VmOperations(Vmm vmm) {
        this.vmm = vmm;
    }

    /** What an operation did to one VM: the shell's line about it, and the VM as it is now. */
    public record Done(long id, String message) {
    }

    /** The id of the VM {@code ref} names: an id, or a name no other VM has. */
    public long resolve(String ref) {
        return VmRefs.resolve(vmm, ref);
    }

    /** The VM {@code ref} names, as it is now. */
    public VmInfo info(String ref) {
        return vmm.info(resolve(ref));
    }

    /** Every VM, with the ones deleted lately when {@code withDeleted} ({@code vm list -a}). */
    public List<VmInfo> list(boolean withDeleted) {
        List<VmInfo> vms = new ArrayList<>(vmm.list());
        if (withDeleted) {
            vms.addAll(vmm.deleted());
        }
        return vms;
    }

    /**
     * Builds a VM (LOADED) from the config file {@code file} with {@code overrides} applied; with {@code replace},
     * a VM that has the config's id is deleted first (its console log too). Returns one line per thing done.
     */
    public List<Done> create(Path file, ConfigOverrides overrides, boolean replace) {
        Vmm.VmDefinition read = ConfigSources.fromFile(file);
        VmConfig config = overrides.applyTo(read.config());
        long id = config.base().id();
        List<Done> done = new ArrayList<>();
        if (replace && vmm.list().stream().anyMatch(v -> v.id() == id)) {
            String old = vmm.vm(id).describe();
            vmm.delete(id, true, false);
            done.add(new Done(id, "deleted " + old + " to replace it"));
        }
        Vm vm = vmm.create(new Vmm.VmDefinition(config, read.images()));
        done.add(new Done(id, "created " + vm.describe()));
        return done;
    }

    /**
     * {@link #create}, then {@link #start} of the VM made: one step where a client would otherwise send two. A VM
     * that does not start is kept (LOADED), and the refusal says it was created.
     */
    public List<Done> createAndStart(Path file, ConfigOverrides overrides, boolean replace) {
        List<Done> done = new ArrayList<>(create(file, overrides, replace));
        Done created = done.getLast();
        try {
            done.add(start(Long.toString(created.id())));
        } catch (RuntimeException e) {
            throw new VmmException(created.message() + ", but starting it failed: " + e.getMessage(), e);
        }
        return done;
    }

    /** Boots a LOADED VM, or rebuilds a STOPPED one from its config and boots it. */
    public Done start(String ref) {
        long id = resolve(ref);
        vmm.start(id);
        return new Done(id, "started " + vmm.vm(id).describe());
    }

    /** The VMs {@code vm start} without ids starts: every LOADED or STOPPED one. */
    public List<String> startable() {
        return vmm.list().stream().filter(v -> v.state() == VmState.LOADED || v.state() == VmState.STOPPED)
                .map(v -> Long.toString(v.id())).toList();
    }

    /** Stops a VM and waits for it; {@code force} also waits for one that is already stopping. */
    public Done stop(String ref, boolean force) {
        long id = resolve(ref);
        String name = vmm.vm(id).describe();
        vmm.stop(id, force);
        return new Done(id, "stopped " + name);
    }

    /** Presses the VM's ACPI power button, waits up to {@code timeout} for the guest, then stops it anyway. */
    public Done stopGracefully(String ref, Duration timeout) throws InterruptedException {
        long id = resolve(ref);
        String name = vmm.vm(id).describe();
        if (vmm.stopGracefully(id, timeout)) {
            return new Done(id, "stopped " + name + ": the guest shut itself down");
        }
        return new Done(id, "stopped " + name + ": the guest did not shut down within "
                + formatSeconds(timeout) + ", so it was stopped");
    }

    public Done suspend(String ref) {
        long id = resolve(ref);
        vmm.suspend(id);
        return new Done(id, "suspended " + vmm.vm(id).describe());
    }

    public Done resume(String ref) {
        long id = resolve(ref);
        vmm.resume(id);
        return new Done(id, "resumed " + vmm.vm(id).describe());
    }

    /** A real reset: stop, rebuild from the config and images, boot. */
    public Done restart(String ref, boolean force) {
        long id = resolve(ref);
        vmm.restart(id, force);
        return new Done(id, "restarted " + vmm.vm(id).describe());
    }

    /** Releases the VM; one not STOPPED needs {@code force}; its console log goes unless {@code keepData}. */
    public Done delete(String ref, boolean force, boolean keepData) {
        long id = resolve(ref);
        VmInfo v = vmm.info(id);
        vmm.delete(id, force, keepData);
        return new Done(id, "deleted " + describe(v)
                + (keepData && !v.consoleLog().isEmpty() ? "; its console log stays at " + v.consoleLog() : ""));
    }

    /** "VM 1 (hello)", as {@link Vm#describe()} names a live VM. */
    public static String describe(VmInfo v) {
        return "VM " + v.id() + " (" + v.name() + ")";
    }

    private static String formatSeconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }
}
