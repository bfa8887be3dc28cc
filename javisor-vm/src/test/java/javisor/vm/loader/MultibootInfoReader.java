package javisor.vm.loader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javisor.memory.GuestAddress;
import javisor.memory.GuestMemory;

/** Reads a Multiboot v1 information structure back from guest memory as a kernel would, for assertions. */
record MultibootInfoReader(int flags, long memLower, long memUpper, String cmdline, List<Module> modules,
                           List<MmapEntry> mmap, String bootLoaderName) {
    record Module(long start, long end, String string) {
    }

    record MmapEntry(long base, long length, int type) {
    }

    static MultibootInfoReader read(GuestMemory memory, long infoAddress) {
        GuestAddress info = GuestAddress.of(infoAddress);
        int flags = memory.readU32(info);
        long memLower = u32(memory, info.plus(4));
        long memUpper = u32(memory, info.plus(8));
        String cmdline = (flags & (1 << 2)) != 0 ? string(memory, u32(memory, info.plus(16))) : null;
        List<Module> modules = new ArrayList<>();
        if ((flags & (1 << 3)) != 0) {
            long count = u32(memory, info.plus(20));
            long at = u32(memory, info.plus(24));
            for (long i = 0; i < count; i++) {
                GuestAddress m = GuestAddress.of(at + 16 * i);
                modules.add(new Module(u32(memory, m), u32(memory, m.plus(4)), string(memory, u32(memory, m.plus(8)))));
            }
        }
        List<MmapEntry> mmap = new ArrayList<>();
        if ((flags & (1 << 6)) != 0) {
            long length = u32(memory, info.plus(44));
            long at = u32(memory, info.plus(48));
            long end = at + length;
            while (at < end) { // entries are walked by their size field, which does not count itself
                GuestAddress e = GuestAddress.of(at);
                mmap.add(new MmapEntry(memory.readU64(e.plus(4)), memory.readU64(e.plus(12)), memory.readU32(e.plus(20))));
                at += u32(memory, e) + 4;
            }
        }
        String name = (flags & (1 << 9)) != 0 ? string(memory, u32(memory, info.plus(64))) : null;
        return new MultibootInfoReader(flags, memLower, memUpper, cmdline, modules, mmap, name);
    }

    private static long u32(GuestMemory memory, GuestAddress at) {
        return Integer.toUnsignedLong(memory.readU32(at));
    }

    private static String string(GuestMemory memory, long address) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long a = address; ; a++) {
            int c = memory.readU8(GuestAddress.of(a));
            if (c == 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.write(c);
        }
    }
}
