"""bench/run-all's linux section: Debian's stock kernel on Javisor and on QEMU `-M microvm,acpi=on`, with the same
kernel, initramfs, command line and disk, rounds interleaved:

  - the time from process start to the initramfs's /init (its first console line) and to the guest's ACPI
    power-off (the process's exit);
  - block throughput from inside the guest: bench/blkbench.c, built static and appended to the test initramfs as a
    second cpio archive, run by /init (javisor.exec=), sequential 1 MiB and random 4 KiB O_DIRECT requests on a
    virtio-blk disk (Javisor's `--drive`, QEMU's virtio-blk-device, both virtio-mmio) on a sparse raw file.
"""
import os
import re
import shutil
import subprocess

import benchlib as bl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEM_MIB = 256
DISK_MIB = 256
CMDLINE = "console=ttyS0 noxsave panic=-1 javisor.poweroff"
INIT_MARK = b"javisor-initramfs: Linux "
TIMEOUT_S = 900.0
# name in blkbench's output, what it is, whether it counts bytes (MB/s) or requests (IOPS)
TESTS = [
    ("seq-write-1m", "sequential write, 1 MiB requests, then fdatasync", "MB/s"),
    ("seq-read-1m", "sequential read, 1 MiB requests", "MB/s"),
    ("rand-write-4k", "random write, 4 KiB requests, one at a time, then fdatasync", "IOPS"),
    ("rand-read-4k", "random read, 4 KiB requests, one at a time", "IOPS"),
]


class LinuxGuest:
    """Debian's kernel (scripts/fetch-debian-kernel.sh), the test initramfs with blkbench appended, and
    the commands that run them."""

    def __init__(self, s, log):
        self.s = s
        fetched = dict(line.split("=", 1) for line in self._script("fetch-debian-kernel.sh").splitlines()
                       if "=" in line)
        self.version, self.vmlinux = fetched["version"], fetched["vmlinux"]
        initramfs = self._script("make-initramfs.sh").strip()
        log(f"linux: Debian's {self.version}, initramfs {initramfs}")
        blkbench = os.path.join(s.work, "blkbench")
        r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-o", blkbench,
                            os.path.join(ROOT, "bench", "blkbench.c")], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("building blkbench (static: needs libc6-dev) failed:\n" + r.stderr)
        # The kernel unpacks concatenated cpio archives in turn: the second adds /bin/blkbench to the first.
        extra = os.path.join(s.work, "blkbench-root")
        os.makedirs(os.path.join(extra, "bin"))
        shutil.copy2(blkbench, os.path.join(extra, "bin"))
        cpio = subprocess.run(f"find . | {fetched['busybox']} cpio -o -H newc 2>/dev/null | gzip -9",
                              shell=True, cwd=extra, capture_output=True, check=True).stdout
        self.initramfs = os.path.join(s.work, "initramfs-blkbench.cpio.gz")
        with open(self.initramfs, "wb") as out, open(initramfs, "rb") as base:
            out.write(base.read())
            out.write(cpio)

    @staticmethod
    def _script(name):
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts", name)], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"scripts/{name} failed (status {r.returncode}):\n{r.stderr[-2000:]}")
        return r.stdout

    def fresh_disk(self):
        path = os.path.join(self.s.work, "linux-disk.img")
        with open(path, "wb") as f:
            f.truncate(DISK_MIB << 20)
        return path

    def commands(self, append):
        """vmm name -> command line, each with a fresh disk."""
        s = self.s
        javisor = s.java_cmd + ["run", "--kernel", self.vmlinux, "--initrd", self.initramfs, "--memory",
                                str(MEM_MIB), "--drive", self.fresh_disk(), "--cmdline", append]
        qemu = s.qemu_cmd("microvm,acpi=on", MEM_MIB, self.vmlinux, append) + [
            "-initrd", self.initramfs, "-no-reboot",
            "-drive", f"id=vda,file={self.fresh_disk()},format=raw,if=none",
            "-device", "virtio-blk-device,drive=vda", "-global", "virtio-mmio.force-legacy=false"]
        return {"Javisor": javisor, "QEMU microvm": qemu}


def _blkbench_results(run, what):
    found = {m.group(1): (int(m.group(2)), int(m.group(3)))
             for m in re.finditer(rb"blkbench (\S+) (\d+) (\d+)", run.out) if m.group(1) != b"failed:"}
    found = {k.decode(): v for k, v in found.items()}
    if b"blkbench done" not in run.out or any(name not in found for name, _, _ in TESTS):
        raise RuntimeError(f"{what}: blkbench did not finish; the console ends with:\n"
                           + "\n".join(run.text().splitlines()[-15:]))
    return found


def section(result, s, log, rounds, bench_rounds, mib, ops):
    guest = LinuxGuest(s, log)
    vmms = ["Javisor", "QEMU microvm"]
    to_init = {v: [] for v in vmms}
    to_off = {v: [] for v in vmms}
    rates = {v: {name: [] for name, _, _ in TESTS} for v in vmms}
    log(f"linux: {rounds} boot round(s), {bench_rounds} blkbench round(s) ({mib} MiB, {ops} random requests)")
    for rnd in range(rounds):
        for vmm, cmd in guest.commands(CMDLINE).items():
            run = bl.run_measured(cmd, timeout=TIMEOUT_S, marks=(INIT_MARK,))
            bl.check(run, 0, b"javisor-initramfs: powering off", f"{vmm}: Linux to power-off")
            to_init[vmm].append(run.marks[INIT_MARK])
            to_off[vmm].append(run.total_ms)
        log(f"linux: boot round {rnd + 1}/{rounds} done")
    append = f"{CMDLINE} javisor.exec=/bin/blkbench blkbench=/dev/vda,{mib},{ops}"
    for rnd in range(bench_rounds):
        for vmm, cmd in guest.commands(append).items():
            run = bl.run_measured(cmd, timeout=TIMEOUT_S)
            bl.check(run, 0, b"javisor-initramfs: /bin/blkbench exited with status 0", f"{vmm}: blkbench")
            for name, (amount, ns) in _blkbench_results(run, vmm).items():
                unit = next(u for n, _, u in TESTS if n == name)
                rates[vmm][name].append(amount / ns * 1000 if unit == "MB/s" else amount / 4096 / ns * 1e9)
        log(f"linux: blkbench round {rnd + 1}/{bench_rounds} done")

    def ratio(a, b):
        return bl.summary(a)[0] / bl.summary(b)[0]

    r = result
    r.md += [
        f"Debian's kernel {guest.version} (the `vmlinux`, entered through PVH by both), the test initramfs "
        f"(scripts/make-initramfs.sh), {MEM_MIB} MiB, 1 vCPU, command line `{CMDLINE}`, and a virtio-blk disk on a "
        f"sparse {DISK_MIB} MiB raw file (virtio-mmio in both). Milliseconds from process start, median (min-max) "
        f"over {rounds} round(s):",
        "",
        "| to | Javisor | QEMU `-M microvm,acpi=on` | ratio |",
        "|---|---|---|---|",
        f"| /init's first line | {bl.fmt(to_init['Javisor'], 0)} | {bl.fmt(to_init['QEMU microvm'], 0)} | "
        f"{ratio(to_init['Javisor'], to_init['QEMU microvm']):.2f}x |",
        f"| ACPI power-off (exit) | {bl.fmt(to_off['Javisor'], 0)} | {bl.fmt(to_off['QEMU microvm'], 0)} | "
        f"{ratio(to_off['Javisor'], to_off['QEMU microvm']):.2f}x |",
        "",
        f"Block throughput in the same guest (bench/blkbench.c, O_DIRECT on /dev/vda: {mib} MiB sequential, {ops} "
        f"random requests over the first {mib} MiB), median (min-max) over {bench_rounds} round(s); "
        "ratio = Javisor / QEMU (above 1: Javisor is faster):",
        "",
        "| test | unit | Javisor | QEMU microvm | ratio |",
        "|---|---|---|---|---|",
    ]
    for name, what, unit in TESTS:
        j, q = rates["Javisor"][name], rates["QEMU microvm"][name]
        r.md.append(f"| {what} | {unit} | {bl.fmt(j, 1)} | {bl.fmt(q, 1)} | {ratio(j, q):.2f}x |")
    boot = ratio(to_init["Javisor"], to_init["QEMU microvm"])
    off = ratio(to_off["Javisor"], to_off["QEMU microvm"])
    r.targets.append(("5. Linux: process start to /init", "at most QEMU microvm's (1.00x)", f"{boot:.2f}x",
                      boot <= 1.0))
    r.targets.append(("5. Linux: process start to ACPI power-off", "at most QEMU microvm's (1.00x)", f"{off:.2f}x",
                      off <= 1.0))
    for name, what, unit in TESTS:
        x = ratio(rates["Javisor"][name], rates["QEMU microvm"][name])
        r.targets.append((f"5. virtio-blk from Linux: {name}", "QEMU microvm's or more (1.00x)", f"{x:.2f}x",
                          x >= 1.0))
    r.raw = {"to_init_ms": to_init, "to_poweroff_ms": to_off, "blkbench": rates}
    return r
