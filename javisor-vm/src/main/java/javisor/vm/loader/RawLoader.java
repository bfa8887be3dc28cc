package javisor.vm.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;
import javisor.vcpu.BootCpuState;
import javisor.vcpu.BootTables;
import javisor.vcpu.EntryMode;

/** Copies a flat binary to the load address, to be entered in 16-bit real mode. */
final class RawLoader {
    private RawLoader() {
    }

    static BootSpec load(GuestMemory memory, byte[] image, LoadRequest request) {
        long load = request.loadAddress().value();
        long entry = request.entryPoint().value();
        LoadSegment segment = LoadSegment.of("RAW image", load, image);
        if (Long.compareUnsigned(entry, BootCpuState.REAL_MODE_REACH) > 0) {
            throw new ImageException("RAW image entry point " + Hex.of(entry) + " is beyond "
                    + Hex.of(BootCpuState.REAL_MODE_REACH) + ", the highest address 16-bit real mode reaches "
                    + "(segment 0xffff, with A20 on), and RAW images start in real mode");
        }
        if (!segment.holdsFileByte(entry)) {
            throw new ImageException("RAW image entry point " + Hex.of(entry) + " is not inside the image, loaded at "
                    + Hex.range(load, image.length));
        }
        List<LoadSegment> all = new ArrayList<>(List.of(segment));
        Ramdisk.atGivenAddress(request, ImageFormat.RAW).ifPresent(all::add);
        new LoadPlan(all).apply(memory);
        return new BootSpec(ImageFormat.RAW, EntryMode.REAL_MODE_16, GuestAddress.of(entry), Map.of(),
                GuestAddress.of(load), GuestAddress.of(segment.end()), BootTables.NONE);
    }
}
