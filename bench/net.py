"""bench/run-all's net section: Debian's stock kernel on Javisor and on QEMU `-M microvm,acpi=on`, with the same
kernel, initramfs and command line, a virtio-net NIC on a host tap (virtio-mmio in both), rounds interleaved;
bench/netbench.c at both ends (static, appended to the test initramfs as a second cpio archive):

  - TCP throughput guest -> host and host -> guest, and TCP request/response latency (1-byte messages);
  - vsock throughput guest -> host: Javisor's `--vsock` (Firecracker's hybrid scheme: the guest's connections to
    CID 2 port P reach the host's Unix socket PATH_P) against QEMU's vhost-vsock-device (needs /dev/vhost-vsock).

One boot per VMM per round runs the three TCP measures (a guest script: a stream to the host, then two servers
for the host's stream and its round trips); another boot runs the vsock stream. Every figure comes from the
host's clock: the host's server for guest -> host streams, the host's client for the rest. The client of every
stream compares its hash with the server's (match=yes); a mismatch fails that run.
"""
import os
import re
import shutil
import subprocess
import threading
import time

import benchlib as bl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEM_MIB = 256
HOST_IP, GUEST_IP, PREFIX = "10.0.3.1", "10.0.3.2", 24
MAC = "52:54:00:12:34:56"          # QEMU's default, given to both so that neither differs by its address
# `quiet`: the kernel's info messages stay off the serial console, where they could land inside a netbench line
# (and each byte costs an exit); errors still show.
CMDLINE = "console=ttyS0 noxsave panic=-1 quiet javisor.poweroff"
INIT_MARK = "javisor-initramfs: Linux "
PORT_UP, PORT_DOWN, PORT_VSOCK = 5201, 5202, 5203
GUEST_CID = 3
BOOT_TIMEOUT_S = 300.0     # VMM start to the guest's /init (about 20 s in the KVM box)
STEP_TIMEOUT_S = 600.0     # each later step
CONNECT_TIMEOUT_S = 120.0  # the host's client retrying a guest server that said it listens
# A guest script for one TCP round: HOST PORT BYTES LOCAL_PORT. Its exit status says which step failed.
GUEST_TCP = """#!/bin/sh
# bench/net.py's TCP round in the guest: a stream to the host's server, then a server for the host's stream,
# then one for the host's round trips. Arguments: HOST PORT BYTES LOCAL_PORT
/bin/netbench client tcp "$1" "$2" --bytes "$3" || exit 11
/bin/netbench server tcp "$4" --once || exit 12
/bin/netbench server tcp "$4" --once || exit 13
"""
# name, what, unit, higher is better
MEASURES = [
    ("tcp-up", "TCP stream guest -> host", "MB/s", True),
    ("tcp-down", "TCP stream host -> guest", "MB/s", True),
    ("rr-median", "TCP request/response, 1 byte, median", "µs", False),
    ("rr-p99", "TCP request/response, 1 byte, 99th percentile", "µs", False),
    ("vsock-up", "vsock stream guest -> host", "MB/s", True),
]
VMMS = ["Javisor", "QEMU microvm"]


class Watched:
    """A process whose standard output and error are read by threads as it runs, so that the host can act on
    the guest's console lines (or a host server's) while it goes on."""

    def __init__(self, cmd, what):
        self.what = what
        self.cmd = cmd
        self.out, self.err = bytearray(), bytearray()
        self.changed = threading.Condition()
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.readers = [threading.Thread(target=self._read, args=(f, buf), daemon=True)
                        for f, buf in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self.readers:
            t.start()

    def _read(self, f, buf):
        while chunk := f.read1(65536):
            with self.changed:
                buf += chunk
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def text(self):
        with self.changed:
            return self.out.decode(errors="replace")

    def tail(self, n=15):
        with self.changed:
            out = self.out.decode(errors="replace").replace("\r", "").splitlines()[-n:]
            err = self.err.decode(errors="replace").replace("\r", "").splitlines()[-6:]
        return ("output ends with:\n  " + "\n  ".join(out or ["(nothing)"])
                + ("\n  errors:\n  " + "\n  ".join(err) if err else ""))

    def wait_for(self, pattern, timeout, count=1):
        """The count-th match of pattern (a regex) on standard output; raises when it does not come within
        timeout seconds or the process ends without it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = list(regex.finditer(self.out.decode(errors="replace")))
                if len(found) >= count:
                    return found[count - 1]
                if self.p.poll() is not None and not any(t.is_alive() for t in self.readers):
                    raise RuntimeError(f"{self.what} ended (status {self.p.returncode}) before "
                                       f"'{pattern}'; {self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.what}: no '{pattern}' within {timeout:.0f} s; {self.tail()}")
                self.changed.wait(min(left, 0.5))

    def finish(self, timeout):
        """Waits for the exit; returns the status. Kills the process and raises after timeout seconds."""
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"{self.what}: still running after {timeout:.0f} s, killed; {self.tail()}")
        for t in self.readers:
            t.join(5)
        return self.p.returncode

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; this process only (by its Popen)."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for t in self.readers:
            t.join(5)


def ip(*args):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


class Tap:
    """A tap made for one VMM run, HOST_IP/PREFIX on it, up; gone again at close() with its routes and
    neighbours (so that a run never sees the previous guest's MAC address in the host's ARP cache)."""

    def __init__(self, name):
        self.name = name
        ip("tuntap", "add", "dev", name, "mode", "tap")
        try:
            ip("addr", "add", f"{HOST_IP}/{PREFIX}", "dev", name)
            ip("link", "set", name, "up")
        except RuntimeError:
            self.close()
            raise

    def close(self):
        subprocess.run(["ip", "link", "del", self.name], capture_output=True, timeout=30)


def parse_line(text, kind, what):
    """The key=value fields of the last `netbench: <kind> ...` line of text, as strings."""
    lines = re.findall(rf"^netbench: {re.escape(kind)} (.*)$", text.replace("\r", ""), re.MULTILINE)
    if not lines:
        raise RuntimeError(f"{what}: no 'netbench: {kind}' line in {text[-600:]!r}")
    return dict(re.findall(r"(\w+)=(\S+)", lines[-1]))


class Mismatch(RuntimeError):
    """A stream whose hash differs between its two ends: the bytes were damaged on the way."""


def check_match(fields, what):
    if fields.get("match") != "yes":
        raise Mismatch(f"{what}: the stream's hash differs between the ends (client fnv={fields.get('fnv')}, "
                           f"server fnv={fields.get('server_fnv')}, match={fields.get('match')})")


class NetGuest:
    """Debian's kernel, the test initramfs with netbench and the TCP round's script appended, the host's netbench,
    and the VMM commands."""

    def __init__(self, s, log):
        self.s = s
        self.log = log
        fetched = dict(line.split("=", 1) for line in self._script("fetch-debian-kernel.sh").splitlines()
                       if "=" in line)
        self.version, self.vmlinux = fetched["version"], fetched["vmlinux"]
        base = self._script("make-initramfs.sh").strip()
        self.netbench = os.path.join(s.work, "netbench")
        r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-o", self.netbench,
                            os.path.join(ROOT, "bench", "netbench.c")], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("building netbench (static: needs libc6-dev) failed:\n" + r.stderr)
        # The kernel unpacks concatenated cpio archives in turn: the second adds /bin/netbench and /bin/nettcp.
        extra = os.path.join(s.work, "netbench-root")
        os.makedirs(os.path.join(extra, "bin"), exist_ok=True)
        shutil.copy2(self.netbench, os.path.join(extra, "bin"))
        with open(os.path.join(extra, "bin", "nettcp"), "w") as f:
            f.write(GUEST_TCP)
        os.chmod(os.path.join(extra, "bin", "nettcp"), 0o755)
        cpio = subprocess.run(f"find . | {fetched['busybox']} cpio -o -H newc -R 0:0 2>/dev/null | gzip -9",
                              shell=True, cwd=extra, capture_output=True, check=True).stdout
        self.initramfs = os.path.join(s.work, "initramfs-netbench.cpio.gz")
        with open(self.initramfs, "wb") as out, open(base, "rb") as b:
            out.write(b.read())
            out.write(cpio)
        log(f"net: Debian's {self.version}, initramfs {base} + netbench")

    @staticmethod
    def _script(name):
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts", name)], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"scripts/{name} failed (status {r.returncode}):\n{r.stderr[-2000:]}")
        return r.stdout

    def command(self, vmm, append, tap=None, vsock=None):
        """vmm's command line: a NIC on tap, or a vsock device (Javisor: its host socket path)."""
        if vmm == "Javisor":
            cmd = self.s.java_cmd + ["run", "--kernel", self.vmlinux, "--initrd", self.initramfs, "--memory",
                                     str(MEM_MIB), "--cmdline", append]
            if tap:
                cmd += ["--net", f"tap={tap},mac={MAC}"]
            if vsock:
                cmd += ["--vsock", f"cid={GUEST_CID},path={vsock}"]
            return cmd
        cmd = self.s.qemu_cmd("microvm,acpi=on", MEM_MIB, self.vmlinux, append) + [
            "-initrd", self.initramfs, "-no-reboot", "-global", "virtio-mmio.force-legacy=false"]
        if tap:
            cmd += ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
                    "-device", f"virtio-net-device,netdev=n0,mac={MAC}"]
        if vsock:
            cmd += ["-device", f"vhost-vsock-device,guest-cid={GUEST_CID}"]
        return cmd

    def host(self, *args):
        return [self.netbench] + [str(a) for a in args]


def host_run(cmd, timeout, what, retry_until=None):
    """Runs a host netbench to its end; with retry_until (a time.monotonic() deadline), tries again while the
    connection is refused or the guest not reachable yet. Returns its standard output."""
    while True:
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{what}: {' '.join(cmd[1:])} did not finish within {timeout:.0f} s") from None
        if r.returncode == 0:
            return r.stdout
        transient = re.search(r"Connection refused|No route to host|Network is unreachable|timed out", r.stderr)
        if retry_until is None or not transient or time.monotonic() > retry_until:
            raise RuntimeError(f"{what}: {' '.join(cmd[1:])} exited with {r.returncode}: "
                               f"{(r.stderr or r.stdout).strip()[-400:]}")
        time.sleep(0.2)


class NotStarted(RuntimeError):
    """The VMM ended, or did not get the guest to its /init in time (e.g. an option this build does not have), or a
    host server could not listen."""

    def __init__(self, who, status, detail, last_error=None, what="start the guest"):
        reason = (f"{who} did not {what} (" + (f"exit status {status}" if status is not None
                                               else "not in time") + ")")
        super().__init__(reason + "; " + detail)
        lines = [line for line in detail.splitlines() if line.strip()]
        last = last_error or (lines[-1] if lines else "")
        self.short = reason + (": " + last.strip() if last.strip() else "")


def boot(guest, vmm, append, tap=None, vsock=None):
    """Starts the VMM and waits for the guest's /init; starts it once more if the first died of a signal before
    that (the JVM in the KVM box crashes now and then before it touches KVM: shared/ENVIRONMENT.md)."""
    for attempt in (1, 2):
        vm = Watched(guest.command(vmm, append, tap, vsock), vmm)
        try:
            vm.wait_for(re.escape(INIT_MARK), BOOT_TIMEOUT_S)
            return vm
        except RuntimeError:
            status = vm.p.poll()     # None: still running after the timeout (stop() kills it; no retry then)
            vm.stop()
            if attempt == 1 and status is not None and (status < 0 or status in (134, 139)):
                guest.log(f"net: {vmm} died of a signal (status {status}) before the guest started; once more")
                continue
            with vm.changed:
                err = vm.err.decode(errors="replace").strip().splitlines()
            raise NotStarted(vmm, status, vm.tail(), err[-1] if err else None) from None


def tcp_round(guest, vmm, tap_name, nbytes, count):
    """One boot: the guest's stream to the host, the host's stream to the guest, the host's round trips.
    Returns {measure: value}."""
    got = {}
    tap = Tap(tap_name)
    server, vm = None, None
    try:
        server = Watched(guest.host("server", "tcp", PORT_UP, "--once"), "the host's TCP server")
        server.wait_for(r"listening", 10)
        append = f"{CMDLINE} javisor.net={GUEST_IP}/{PREFIX} javisor.exec=/bin/nettcp,{HOST_IP},{PORT_UP},{nbytes},{PORT_DOWN}"
        vm = boot(guest, vmm, append, tap=tap.name)
        vm.wait_for(r"netbench: tcp client .*match=\w+\r?\n", STEP_TIMEOUT_S)
        check_match(parse_line(vm.text(), "tcp client", f"{vmm}, guest -> host"), f"{vmm}, TCP guest -> host")
        if server.finish(60) != 0:
            raise RuntimeError(f"{vmm}: the host's TCP server failed; {server.tail()}")
        up = parse_line(server.text(), "tcp server", f"{vmm}, the host's TCP server")
        if int(up["bytes"]) != nbytes:
            raise RuntimeError(f"{vmm}: the host's server received {up['bytes']} bytes, not {nbytes}")
        got["tcp-up"] = float(up["mbps"])

        vm.wait_for(rf"netbench: tcp server listening on {PORT_DOWN}", STEP_TIMEOUT_S)
        out = host_run(guest.host("client", "tcp", GUEST_IP, PORT_DOWN, "--bytes", nbytes), STEP_TIMEOUT_S,
                       f"{vmm}, host -> guest", time.monotonic() + CONNECT_TIMEOUT_S)
        down = parse_line(out, "tcp client", f"{vmm}, host -> guest")
        check_match(down, f"{vmm}, TCP host -> guest")
        got["tcp-down"] = float(down["mbps"])

        vm.wait_for(rf"netbench: tcp server listening on {PORT_DOWN}", STEP_TIMEOUT_S, count=2)
        out = host_run(guest.host("rr", "tcp", GUEST_IP, PORT_DOWN, "--count", count, "--size", 1), STEP_TIMEOUT_S,
                       f"{vmm}, request/response", time.monotonic() + CONNECT_TIMEOUT_S)
        rr = parse_line(out, "tcp rr", f"{vmm}, request/response")
        got["rr-median"], got["rr-p99"] = float(rr["median_us"]), float(rr["p99_us"])

        vm.wait_for(r"/bin/nettcp .*exited with status \d+", STEP_TIMEOUT_S)
        m = re.search(r"/bin/nettcp .*exited with status (\d+)", vm.text())
        if m.group(1) != "0":
            raise RuntimeError(f"{vmm}: the guest's script exited with {m.group(1)}; {vm.tail()}")
        status = vm.finish(STEP_TIMEOUT_S)
        if status != 0:
            raise RuntimeError(f"{vmm}: exit status {status} after the guest powered off; {vm.tail()}")
        return got
    finally:
        for w in (vm, server):
            if w:
                w.stop()
        tap.close()


def vsock_round(guest, vmm, nbytes, sock):
    """One boot: the guest's vsock stream to the host (Javisor: to the Unix socket sock_PORT; QEMU: through
    vhost-vsock to the host's AF_VSOCK listener). Returns the host server's MB/s."""
    if vmm == "Javisor":
        server_cmd, kind = guest.host("server", "unix", sock, "--port", PORT_VSOCK, "--once"), "unix server"
    else:
        server_cmd, kind = guest.host("server", "vsock", PORT_VSOCK, "--once"), "vsock server"
    server = Watched(server_cmd, "the host's vsock server")
    vm = None
    try:
        try:
            server.wait_for(r"listening", 10)
        except RuntimeError:
            status = server.p.poll()
            server.stop()
            raise NotStarted("the host's vsock server", status, server.tail(), what="listen") from None
        append = f"{CMDLINE} javisor.exec=/bin/netbench,client,vsock,2,{PORT_VSOCK},--bytes,{nbytes}"
        vm = boot(guest, vmm, append, vsock=sock if vmm == "Javisor" else True)
        vm.wait_for(r"netbench: vsock client .*match=\w+\r?\n", STEP_TIMEOUT_S)
        check_match(parse_line(vm.text(), "vsock client", f"{vmm}, vsock"), f"{vmm}, vsock guest -> host")
        if server.finish(60) != 0:
            raise RuntimeError(f"{vmm}: the host's vsock server failed; {server.tail()}")
        up = parse_line(server.text(), kind, f"{vmm}, the host's vsock server")
        if int(up["bytes"]) != nbytes:
            raise RuntimeError(f"{vmm}: the host's vsock server received {up['bytes']} bytes, not {nbytes}")
        status = vm.finish(STEP_TIMEOUT_S)
        if status != 0:
            raise RuntimeError(f"{vmm}: exit status {status} after the guest powered off; {vm.tail()}")
        return float(up["mbps"])
    finally:
        for w in (vm, server):
            if w:
                w.stop()
        for leftover in (sock, f"{sock}_{PORT_VSOCK}"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def qemu_vsock_missing():
    """Why QEMU's vhost-vsock cannot run here, or None. Loads vhost_vsock when the device node is missing."""
    if not os.path.exists("/dev/vhost-vsock"):
        subprocess.run(["modprobe", "-q", "vhost_vsock"], capture_output=True)
    if not os.path.exists("/dev/vhost-vsock"):
        return ("/dev/vhost-vsock does not exist here (the vhost_vsock module is missing or could not be "
                "loaded), so QEMU's vhost-vsock-device cannot run")
    return None


def where_short():
    if bl.in_box():
        return "in the KVM box"
    return "on KVM-PVM" if os.path.exists("/sys/module/kvm_pvm") else "on KVM"


def section(result, s, log, rounds, nbytes, count):
    r = result
    place = where_short()
    samples = {(v, m): [] for v in VMMS for m, *_ in MEASURES}
    errors = []
    mismatches = []
    routed = ip("-4", "route", "show", "to", "match", HOST_IP).strip().splitlines()
    routed = [line for line in routed if not line.startswith("default")]
    if routed:
        raise RuntimeError(f"{HOST_IP} is routed here already ({'; '.join(routed)}): the section puts "
                           f"{HOST_IP}/{PREFIX} on its own tap; remove that route or interface first")
    guest = NetGuest(s, log)
    vsock_skip = {"QEMU microvm": qemu_vsock_missing(), "Javisor": None}
    tap_name = f"jnb{os.getpid() & 0xfffff:x}"
    log(f"net: {rounds} round(s), {nbytes >> 20} MiB streams, {count} round trips, tap {tap_name}, {place}")
    per_round = {}   # (vmm, measure, round) -> value, to pair the VMMs' figures of one round
    for rnd in range(rounds):
        for vmm in VMMS:
            try:
                t0 = time.monotonic()
                got = tcp_round(guest, vmm, tap_name, nbytes, count)
                for m, v in got.items():
                    per_round[(vmm, m, rnd)] = v
                log(f"net: round {rnd + 1}, {vmm}, TCP in {time.monotonic() - t0:.0f} s: "
                    + ", ".join(f"{m} {v}" for m, v in got.items()))
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                if isinstance(e, Mismatch):
                    mismatches.append(str(e))
                errors.append(f"round {rnd + 1}, {vmm}, TCP: {e}")
                log(f"net: round {rnd + 1}, {vmm}, TCP failed: {str(e).splitlines()[0]}")
        for vmm in VMMS:
            if vsock_skip[vmm]:
                continue
            sock = os.path.join(s.work, f"vsock-{rnd}.sock")
            try:
                t0 = time.monotonic()
                per_round[(vmm, "vsock-up", rnd)] = vsock_round(guest, vmm, nbytes, sock)
                log(f"net: round {rnd + 1}, {vmm}, vsock in {time.monotonic() - t0:.0f} s: "
                    f"{per_round[(vmm, 'vsock-up', rnd)]} MB/s")
            except NotStarted as e:
                # The VMM refused its vsock device (e.g. a Javisor build without --vsock, QEMU without
                # /dev/vhost-vsock's CID free): the same would happen every round.
                vsock_skip[vmm] = e.short
                errors.append(f"round {rnd + 1}, {vmm}, vsock: {e}")
                log(f"net: {vmm}'s vsock not measured: {e.short}")
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                if isinstance(e, Mismatch):
                    mismatches.append(str(e))
                errors.append(f"round {rnd + 1}, {vmm}, vsock: {e}")
                log(f"net: round {rnd + 1}, {vmm}, vsock failed: {str(e).splitlines()[0]}")
        log(f"net: round {rnd + 1}/{rounds} done")
    for (vmm, m, _), v in sorted(per_round.items(), key=lambda kv: kv[0][2]):
        samples[(vmm, m)].append(v)

    def med(vmm, m):
        values = samples[(vmm, m)]
        return bl.summary(values)[0] if values else None

    r.md += [
        f"Measured {place}: {bl.where()}. Debian's kernel {guest.version} (the `vmlinux`, through PVH), the test "
        f"initramfs (scripts/make-initramfs.sh) with `bench/netbench.c` appended, {MEM_MIB} MiB, 1 vCPU, command "
        f"line `{CMDLINE} javisor.net={GUEST_IP}/{PREFIX} javisor.exec=...`. Network: a virtio-net NIC (virtio-mmio, "
        f"MAC {MAC}) on a host tap made for each run, {HOST_IP}/{PREFIX} on the host's end; Javisor "
        f"`--net tap=TAP,mac={MAC}`, QEMU `-M microvm,acpi=on -netdev tap,ifname=TAP,script=no,downscript=no "
        f"-device virtio-net-device` (QEMU's defaults: no vhost-net). vsock: Javisor `--vsock cid={GUEST_CID},path=SOCK` "
        f"(the host's server listens on SOCK_{PORT_VSOCK}), QEMU `-device vhost-vsock-device,guest-cid={GUEST_CID}` "
        f"(the host's server on AF_VSOCK port {PORT_VSOCK}). Streams of {nbytes >> 20} MiB, {count} round trips of "
        "1 byte (after netbench's warm-up); every figure from the host's clock (its server for guest -> host, its "
        "client otherwise); each stream's hash checked at both ends. One boot per VMM and round for the TCP measures, "
        f"one for vsock; {rounds} round(s), Javisor and QEMU interleaved; median (min-max). Ratio = Javisor / QEMU: "
        "for MB/s above 1 means Javisor is faster, for µs below 1 means Javisor is faster.",
        "",
        "| measure | unit | Javisor | QEMU microvm | Javisor / QEMU | better |",
        "|---|---|---|---|---|---|",
    ]
    ratios = {}
    for m, what, unit, higher in MEASURES:
        j, q = med("Javisor", m), med("QEMU microvm", m)
        ratio = j / q if j is not None and q else None
        ratios[m] = ratio
        r.md.append(f"| {what} | {unit} | {bl.fmt(samples[('Javisor', m)], 1)} | "
                    f"{bl.fmt(samples[('QEMU microvm', m)], 1)} | {f'{ratio:.2f}x' if ratio else '-'} | "
                    f"{'higher' if higher else 'lower'} |")
    for vmm, why in vsock_skip.items():
        if why:
            r.md += ["", f"{vmm}'s vsock was not measured: {why.strip()}"]
    streams = sum(len(samples[(v, m)]) for v in VMMS for m in ("tcp-up", "tcp-down", "vsock-up"))
    r.md += ["", f"{streams} stream(s) measured with the same hash at both ends; {len(mismatches)} with different "
                 "hashes (each fails its run: listed below)."]
    if errors:
        r.md += ["", f"{len(errors)} run(s) failed (their measures are missing above):", ""]
        r.md += ["```"] + [line for e in errors for line in e.splitlines()] + ["```"]

    for m, what, unit, higher in MEASURES:
        j, q, ratio = med("Javisor", m), med("QEMU microvm", m), ratios[m]
        label = f"7. {what}: Javisor / QEMU"
        target = ("QEMU's or more (1.00x)" if higher else "QEMU's or less (1.00x; below 1: Javisor faster)")
        if m == "rr-p99":
            target = "none (the tail, noisy on 2 shared cores); below 1: Javisor faster"
        if ratio is None:
            missing = [v for v in VMMS if not samples[(v, m)]]
            why = "; ".join(f"{v}: {(vsock_skip.get(v) if m == 'vsock-up' else None) or 'failed, see the section'}"
                            for v in missing)
            shown = f"not measured ({why})"
            if j is not None:
                shown = f"Javisor {j:.1f} {unit}, QEMU not measured ({why}), {place}"
            r.targets.append((label, target, shown, None))
            continue
        met = "info" if m == "rr-p99" else (ratio >= 1.0 if higher else ratio <= 1.0)
        r.targets.append((label, target, f"{ratio:.2f}x ({j:.1f} vs {q:.1f} {unit}, {place})", met))
    checked = streams + len(mismatches)
    r.targets.append(("7. every stream's bytes intact (FNV-1a hash equal at both ends)", "all",
                      f"{streams} of {checked} streams" if checked else "no stream got that far",
                      not mismatches if checked else None))
    r.chart = {}
    for m, what, unit, higher in MEASURES:
        paired = [per_round[("Javisor", m, n)] / per_round[("QEMU microvm", m, n)] for n in range(rounds)
                  if ("Javisor", m, n) in per_round and per_round.get(("QEMU microvm", m, n))]
        if paired:
            r.chart[f"{m} ({'higher' if higher else 'lower'} better)"] = paired
    r.raw = {f"{vmm} {m} ({unit})": samples[(vmm, m)] for vmm in VMMS for m, _, unit, _ in MEASURES}
    r.raw["errors"] = errors
    return r
