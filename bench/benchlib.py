"""Helpers for bench/run-all: timed processes, idle-VM fleets, RSS sampling, statistics, VM configs and a
driver for `javisor shell` on its standard input and one for `javisor serve`'s multi-VM API. Standard library
only (Python 3.11)."""
import ctypes
import json
import os
import re
import select
import shlex
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

# ---- where KVM is ----------------------------------------------------------------------------------------

def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def in_box():
    """True inside bin/kvm-box, which sets JAVISOR_IN_BOX for the command it runs."""
    return bool(os.environ.get("JAVISOR_IN_BOX"))


def where():
    """How the report names the KVM it measured on."""
    if in_box():
        return ("the KVM box (bin/kvm-box: nested kvm-amd in a QEMU TCG VM with one vCPU; every VMM measured, "
                "QEMU -accel kvm included, runs inside the same box)")
    if os.path.exists("/sys/module/kvm_pvm"):
        return "KVM-PVM (software nested)"
    return "KVM"


def rerun_in_box_if_needed(script, root, argv, out=None):
    """On a host without a usable /dev/kvm, runs this benchmark again inside the KVM box and exits with its
    status: every VMM it compares then runs there, on the box's nested KVM, so the ratios still hold."""
    if kvm_usable() or in_box():
        return
    rw = ["--rw", root]
    if out and not os.path.abspath(out).startswith(root + os.sep):
        os.makedirs(out, exist_ok=True)
        rw += ["--rw", os.path.abspath(out)]
    print(f"{os.path.basename(script)}: no /dev/kvm here: running inside the KVM box (bin/kvm-box), where the "
          "JVM and QEMU run about ten times slower; the report says where it was measured", file=sys.stderr,
          flush=True)
    # Built here first: Maven in the box is 30-60 times slower (--help never enters the box, and builds if stale).
    if subprocess.run([os.path.join(root, "javisor"), "--help"], stdin=subprocess.DEVNULL,
                      stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit(f"{os.path.basename(script)}: building Javisor failed (./javisor --help)")
    box = [os.path.join(root, "bin", "kvm-box"), "--mem", "8192"] + rw + ["--", sys.executable, script] + argv
    os.execv(box[0], box)


# ---- statistics ------------------------------------------------------------------------------------------


def summary(values):
    """(median, min, max) of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def fmt(values, digits=1, scale=1.0):
    """'median (min-max)' of values * scale, or '-' for none."""
    if not values:
        return "-"
    med, lo, hi = summary([v * scale for v in values])
    return f"{med:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def slope(xs, ys):
    """Least-squares slope of ys over xs."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


# ---- timed processes ---------------------------------------------------------------------------------------


class Run:
    """One finished process: ms from start to the first stdout byte and to exit, status, max RSS, output, and
    the CPU time (user + system, all threads) it used."""

    def __init__(self, first_ms, total_ms, status, maxrss_kib, out, err, cpu_ms=0.0, marks=None):
        self.first_ms, self.total_ms, self.status, self.cpu_ms = first_ms, total_ms, status, cpu_ms
        self.maxrss_kib, self.out, self.err = maxrss_kib, out, err
        self.marks = marks or {}  # marker -> ms from the start to its first appearance on stdout

    def text(self):
        return self.out.decode(errors="replace")


def run_measured(cmd, timeout=120.0, marks=(), env=None):
    """Runs cmd to its end with stdin from /dev/null (and env added to this environment); times the first stdout
    byte, the exit, and the first appearance on stdout of each byte string in marks."""
    full_env = dict(os.environ, **env) if env else None
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=full_env)
    first = None
    out_fd, err_fd = p.stdout.fileno(), p.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    open_fds = set(bufs)
    seen = {}
    deadline = start + timeout
    while open_fds:
        left = deadline - time.perf_counter()
        ready = select.select(list(open_fds), [], [], max(0.0, left))[0] if left > 0 else []
        if not ready:
            p.kill()
            p.wait()
            raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(map(str, cmd))}")
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            if fd == out_fd and first is None:
                first = time.perf_counter()
            bufs[fd] += chunk
            if fd == out_fd:
                for m in marks:
                    if m not in seen and m in bufs[fd]:
                        seen[m] = (time.perf_counter() - start) * 1000
    _, status, usage = os.wait4(p.pid, 0)
    end = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    return Run(((first or end) - start) * 1000, (end - start) * 1000, p.returncode, usage.ru_maxrss,
               bytes(bufs[out_fd]), bytes(bufs[err_fd]), (usage.ru_utime + usage.ru_stime) * 1000, seen)


def process_cpu_ms(pid):
    """User + system CPU time of a running process, all its threads, from /proc (clock ticks: 10 ms steps)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Resident:
    """A running `javisor resident`: its CPU time so far, and a stop that waits for it to end."""

    def __init__(self, process):
        self.process = process

    def cpu_ms(self):
        return process_cpu_ms(self.process.pid)

    def stop(self):
        """SIGTERM, which stops its VMs and takes the state file away; then waits for it."""
        self.process.terminate()
        self.process.wait(60)


def start_resident(launcher, warm_run, warm_runs=50):
    """`LAUNCHER resident` (the tree's resident Javisor), once its state file is there and warm_run (a command
    handed to it) has run warm_runs times: its JIT compiles a VM's creation, as a long-lived JVM's does."""
    state = os.path.join(os.path.dirname(launcher), "javisor-vmm", "target", "resident")
    if os.path.exists(state):
        os.remove(state)
    p = subprocess.Popen([launcher, "resident"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120  # a JVM starts about ten times slower in the KVM box
    while not os.path.exists(state):
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            raise DriverError(f"`{launcher} resident` did not start")
        time.sleep(0.05)
    for _ in range(warm_runs):
        run_measured(warm_run, env={"JAVISOR_RESIDENT": "required"})
    return Resident(p)


def check(run, status, needle, what):
    """Raises with the process's output when it did not end as expected."""
    if run.status != status or (needle and needle not in run.out):
        raise RuntimeError(f"{what}: exit status {run.status} (expected {status}), output {run.out[-300:]!r}, "
                           f"errors {run.err[-600:]!r}")


# ---- memory ------------------------------------------------------------------------------------------------


def rss_kib(pid):
    """VmRSS of a process in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def guest_ram_rss_kib(pid, guest_kib):
    """Resident KiB of the guest RAM of the VMs in a process, from /proc/PID/smaps, and how many VMs' RAM that
    covers. Guest RAM is a private anonymous writable mapping of the guest RAM's size that is either
    MADV_HUGEPAGE (VmFlags `hg`: QEMU; such a mapping is exactly one VM's RAM) or MAP_NORESERVE (`nr`: Javisor
    and kvm-loop). The kernel merges adjacent mappings with the same flags, so the RAM of VMs mapped next to each
    other is one mapping, and glibc's malloc arenas (also `nr`) may merge into it: an `nr` mapping counts as
    floor(size / guest size) VMs' RAM, and all of its resident memory as guest RAM (an arena's merged part is
    at most a few hundred KiB). Thread stacks of the same size carry neither flag."""
    total, count = 0, 0
    size = rss = 0
    candidate = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split()
                candidate = len(fields) < 6 and fields[1].startswith("rw")   # no path: anonymous
            elif line.startswith("Size:"):
                size = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("VmFlags:"):
                flags = line.split()[1:]
                if candidate and (("hg" in flags and size % guest_kib == 0) or ("nr" in flags and size >= guest_kib)):
                    total += rss
                    count += size // guest_kib
    return total, count


class Fleet:
    """Processes running idle VMs: started together, ready when each has printed its lines."""

    def __init__(self, cmds, lines_each=None):
        """cmds: one command per process; lines_each: console lines each process must print before it is
        ready (default 1)."""
        self.procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       stdin=subprocess.DEVNULL) for c in cmds]
        self.lines_each = lines_each or [1] * len(cmds)

    def wait_ready(self, timeout=120.0):
        """Waits until every process printed its lines; returns the seconds that took."""
        start = time.perf_counter()
        need = {p.stdout.fileno(): n for p, n in zip(self.procs, self.lines_each)}
        while need:
            left = start + timeout - time.perf_counter()
            ready = select.select(list(need), [], [], max(0.0, left))[0] if left > 0 else []
            if not ready:
                raise RuntimeError(f"{len(need)} of {len(self.procs)} processes not ready after {timeout:.0f} s")
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError("a VMM process ended before its VMs were ready")
                need[fd] -= chunk.count(b"\n")
                if need[fd] <= 0:
                    del need[fd]
        return time.perf_counter() - start

    def sample(self, guest_kib):
        """(total RSS KiB, total guest-RAM resident KiB, guest RAM mappings found) over the processes."""
        rss = guest = maps = 0
        for p in self.procs:
            rss += rss_kib(p.pid)
            g, n = guest_ram_rss_kib(p.pid, guest_kib)
            guest += g
            maps += n
        return rss, guest, maps

    def stop(self, grace=10.0):
        """SIGTERM (Javisor's shutdown hook stops its VMs; QEMU quits), SIGKILL after grace seconds."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            p.stdout.close()


# ---- VM configs --------------------------------------------------------------------------------------------


def write_config(path, vm_id, kernel, regions, cmdline=None, name=None, devices=None, huge_pages=None):
    """Writes an AxVisor-schema VM config. regions: (gpa, size, flags) triples, map_type 0 (MapAlloc); devices:
    the [devices] section's lines, if any; huge_pages: Javisor's huge_pages key (none, transparent, 2M), if any."""
    rows = ",\n".join(f"    [{gpa:#x}, {size:#x}, {flags:#x}, 0]" for gpa, size, flags in regions)
    extra = f'cmdline = "{cmdline}"\n' if cmdline else ""
    extra += f'huge_pages = "{huge_pages}"\n' if huge_pages else ""
    with open(path, "w") as f:
        f.write(f"""# Written by bench/run-all.
[base]
id = {vm_id}
name = "{name or f'bench-{vm_id}'}"
vm_type = 1
cpu_num = 1

[kernel]
entry_point = 0x10_0000
kernel_path = "{kernel}"
kernel_load_addr = 0x10_0000
{extra}memory_regions = [
{rows},
]
{"" if devices is None else "[devices]" + chr(10) + devices + chr(10)}""")
    return path


# ---- drivers of a running Javisor: its shell and its HTTP API ----------------------------------------------


class DriverError(RuntimeError):
    """A running Javisor, driven through its shell or its HTTP API, did not answer as it should have."""


_IN_MODIFY = 0x2
_libc = None


def _inotify_watch(directory):
    """An inotify fd watching directory for modified files, or None where inotify is not available."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        if _libc.inotify_add_watch(fd, os.fsencode(directory), _IN_MODIFY) < 0:
            os.close(fd)
            return None
        return fd
    except (OSError, AttributeError):
        return None


def _inotify_modified(fd):
    """Names of the files in the watched folder modified since the last call."""
    names = []
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return names
    i = 0
    while i + 16 <= len(data):
        _, mask, _, length = struct.unpack_from("iIII", data, i)
        name = data[i + 16:i + 16 + length].rstrip(b"\0").decode(errors="replace")
        if mask & _IN_MODIFY:
            names.append(name)
        i += 16 + length
    return names


class Shell:
    """`javisor shell` driven through its standard input: one command a line, results printed a line each on
    standard output, errors as `error: ...` on standard error (other standard error lines are log messages).

    The guests' console output is recognised as a line of standard output that is one of `markers` (the
    guest's whole line), or, when `vm list --format json` names a console log file for the VM (a `consoleLog`
    field), as the first modification of a file in that log's folder (inotify). Marker lines are console
    output, never a command's result."""

    def __init__(self, cmd, markers, timeout=10.0):
        self.cmd = cmd
        self.markers = [m.encode() for m in markers]
        self.timeout = timeout
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.fds = {self.p.stdout.fileno(): "out", self.p.stderr.fileno(): "err"}
        self.partial = {fd: b"" for fd in self.fds}
        self.lines = []            # (stream, line) not yet taken
        self.console_at = None     # perf_counter() of the first marker line on stdout since clear_console()
        self.console_dir = None
        self.inotify = None
        self.file_at = None        # perf_counter() of the first console-log modification since clear_console()
        self.console_source = None  # how the last wait_console() saw the output
        self.transcript = []

    # -- low level
    def _pump(self, timeout):
        """Reads what is there (waiting up to timeout); returns False on timeout."""
        fds = list(self.fds) + ([self.inotify] if self.inotify is not None else [])
        ready = select.select(fds, [], [], max(0.0, timeout))[0]
        now = time.perf_counter()
        for fd in ready:
            if fd == self.inotify:
                if _inotify_modified(fd) and self.file_at is None:
                    self.file_at = now
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.fds.pop(fd, None)
                continue
            data = self.partial[fd] + chunk
            *full, self.partial[fd] = data.split(b"\n")
            for line in full:
                line = line.rstrip(b"\r")
                if line.strip() in self.markers:
                    if fd == self.p.stdout.fileno() and self.console_at is None:
                        self.console_at = now
                    continue
                if not line.strip():
                    continue
                if fd == self.p.stderr.fileno() and not line.lower().startswith(b"error"):
                    self.transcript.append("  [log] " + line.decode(errors="replace"))
                    continue    # a log message, not a command's result (those are "error: ...")
                self.lines.append((self.fds.get(fd, "out"), line.decode(errors="replace")))
        if not self.fds and not ready:
            raise DriverError(f"javisor shell ended (status {self.p.poll()})")
        return bool(ready)

    def send(self, command):
        self.transcript.append("> " + command)
        try:
            self.p.stdin.write((command + "\n").encode())
            self.p.stdin.flush()
        except BrokenPipeError as e:
            raise DriverError(f"javisor shell ended before '{command}'") from e

    def response(self, timeout=None):
        """The next result line (standard output or error)."""
        deadline = time.perf_counter() + (timeout or self.timeout)
        while not self.lines:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise DriverError("no answer within %.0f s; transcript: %s" % (timeout or self.timeout,
                                                                               " | ".join(self.transcript[-6:])))
            self._pump(left)
        stream, line = self.lines.pop(0)
        self.transcript.append(f"< [{stream}] {line}")
        return stream, line

    def command(self, command, timeout=None):
        """Sends a command and returns its result line; raises DriverError when it reads as an error."""
        self.send(command)
        stream, line = self.response(timeout)
        if re.search(r"\b(error|unknown|usage|failed|cannot|invalid|no such)\b", line, re.IGNORECASE):
            raise DriverError(f"'{command}' answered: {line}")
        return line

    def json_command(self, command, timeout=None):
        """Sends a command whose result is JSON (on one line or several) and returns it parsed."""
        self.send(command)
        text = ""
        deadline = time.perf_counter() + (timeout or self.timeout)
        while True:
            _, line = self.response(max(0.1, deadline - time.perf_counter()))
            text += line + "\n"
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                if time.perf_counter() > deadline:
                    raise DriverError(f"'{command}' did not answer JSON: {text[:300]!r}")

    def clear_console(self):
        self.pump_pending()
        self.console_at = None
        self.file_at = None
        if self.inotify is not None:
            _inotify_modified(self.inotify)

    def pump_pending(self):
        while self._pump(0):
            pass

    def wait_console(self, timeout=None):
        """Waits for the guest's first console output; returns its perf_counter() time."""
        deadline = time.perf_counter() + (timeout or self.timeout)
        while self.console_at is None and self.file_at is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise DriverError("no console output from the VM within %.0f s" % (timeout or self.timeout))
            self._pump(left)
        seen = [(t, how) for t, how in ((self.console_at, "its line on the shell's standard output"),
                                        (self.file_at, f"the first write to its console log in {self.console_dir}"))
                if t is not None]
        t, self.console_source = min(seen)
        return t

    # -- VM commands
    @staticmethod
    def vm_id(line, config_id):
        """The VM id in a `vm create` result: the config's id if the line names it, else its first number."""
        numbers = [int(n) for n in re.findall(r"\b\d+\b", line)]
        if config_id in numbers or not numbers:
            return config_id
        return numbers[0]

    def watch_console_dir(self, directory):
        """Watches directory for console log writes (when the shell was told where its logs go)."""
        self.console_dir = directory
        self.inotify = _inotify_watch(directory)

    def learn_console_dir(self, vm_id):
        """Finds where the VM's console goes: a `consoleLog` field in `vm list --format json`, else the
        `console log` row of `vm show ID`. If it is a file, watches its folder. Returns the path or None."""
        path = None
        try:
            path = _find_console_log(self.json_command("vm list --format json"), vm_id)
        except DriverError:
            pass
        if not path:
            self.send(f"vm show {vm_id}")
            deadline = time.perf_counter() + 2.0
            while time.perf_counter() < deadline and not path:
                if not self.lines:
                    self._pump(deadline - time.perf_counter())
                    continue
                _, line = self.lines.pop(0)
                m = re.search(r"console log\W+(/\S+)", line)
                path = m.group(1) if m else None
            self.drain(0.3)
        if path:
            self.watch_console_dir(os.path.dirname(os.path.abspath(path)))
        return path

    def drain(self, seconds):
        """Reads and drops whatever comes within seconds (the rest of a multi-line answer)."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            self._pump(deadline - time.perf_counter())
        self.lines.clear()

    def close(self):
        try:
            self.send("exit")
            self.p.wait(5)
        except (DriverError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()
        if self.inotify is not None:
            os.close(self.inotify)


def _find_console_log(node, vm_id):
    """The console log path of VM vm_id in a `vm list` JSON answer, or None."""
    if isinstance(node, list):
        for item in node:
            found = _find_console_log(item, vm_id)
            if found:
                return found
    elif isinstance(node, dict):
        if str(node.get("id")) == str(vm_id):
            for key in ("consoleLog", "console_log", "console"):
                value = node.get(key)
                if isinstance(value, str) and value.startswith("/"):
                    return value
        for value in node.values():
            if isinstance(value, (list, dict)):
                found = _find_console_log(value, vm_id)
                if found:
                    return found
    return None


def shell_command(javisor_cmd):
    """The command that starts `javisor shell`. BENCH_SHELL_CMD replaces it (to test this driver against a
    stand-in, or to add options)."""
    override = os.environ.get("BENCH_SHELL_CMD")
    return shlex.split(override) if override else javisor_cmd + ["shell"]


def shell_available(javisor_cmd):
    """(True, help text) if `javisor shell --help` succeeds, else (False, why)."""
    try:
        r = subprocess.run(shell_command(javisor_cmd) + ["--help"], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    if r.returncode == 0:
        return True, r.stdout.decode(errors="replace")
    why = (r.stderr or r.stdout).decode(errors="replace").strip().splitlines()
    return False, f"`javisor shell --help` exited with {r.returncode}" + (f": {why[0]}" if why else "")


class ApiConnection:
    """HTTP/1.1 on one kept-alive Unix socket connection, (re)connected on demand. Not http.client: its request and
    response objects cost the driver about 100 µs of CPU a request on the host against about 30 for this, and in
    the KVM box the driver shares the one CPU with the server it measures (docs/performance.md, eleventh round).
    Reads answers with a Content-Length, as the API's all are."""

    def __init__(self, path, timeout):
        self.unix_path = path
        self.timeout = timeout
        self.sock = None
        self.reader = None

    def exchange(self, method, path, body):
        """(status, body bytes) of one request; `body` is bytes or None."""
        if self.sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.unix_path)
            except OSError:
                sock.close()
                raise
            self.sock, self.reader = sock, sock.makefile("rb")
        head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        try:
            self.sock.sendall(head.encode() + b"\r\n" + (body or b""))
            line = self.reader.readline()
            if not line:
                raise ConnectionError(f"{method} {path}: the server closed the connection")
            status = int(line.split()[1])
            length, close = 0, False
            while True:
                line = self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    raise DriverError(f"{method} {path}: a chunked answer; the API's have a Content-Length")
            text = self.reader.read(length)
        except (ValueError, IndexError) as e:
            self.close()
            raise DriverError(f"{method} {path}: not an HTTP answer ({e})") from e
        except (OSError, DriverError):
            self.close()
            raise
        if close:
            self.close()
        return status, text

    def request(self, method, path, body=None):
        """The answer's JSON; raises DriverError on a status of 400 or more."""
        status, text = self.exchange(method, path, json.dumps(body).encode() if body is not None else None)
        if status >= 400:
            raise DriverError(f"{method} {path}: {status} {text[:300]!r}")
        return json.loads(text) if text else {}

    def close(self):
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
            self.sock = self.reader = None


class ApiServer:
    """`javisor serve --api-sock SOCK --log-dir LOGS`, driven over its Unix socket with HTTP/1.1 on one kept-alive
    connection (README, "The multi-VM API"). A VM's first console output is seen as the first modification of a
    file in LOGS (inotify), as the shell driver sees it."""

    def __init__(self, cmd, sock, logs, timeout=10.0, start_timeout=120.0):
        self.cmd = cmd
        self.timeout = timeout
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + start_timeout
        while not os.path.exists(sock):
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise DriverError(f"`{' '.join(cmd)}` did not open {sock}: "
                                  + self.p.stderr.read().decode(errors="replace")[-600:])
            time.sleep(0.05)
        self.sock = sock
        self.logs = logs
        self.conn = ApiConnection(sock, timeout)
        self.inotify = _inotify_watch(logs)
        if self.inotify is None:
            self.close()
            raise DriverError("no inotify here: the API driver sees the guests' output only in their log files")

    def request(self, method, path, body=None):
        """The answer's JSON; raises DriverError on a status of 400 or more."""
        return self.conn.request(method, path, body)

    def reconnect(self):
        """A new connection in place of the kept-alive one, which the server closes after 30 s without requests."""
        self.conn.close()
        self.conn = ApiConnection(self.sock, self.timeout)

    def client(self):
        """A connection of its own, for a client sending requests while others do; close() it."""
        return ApiConnection(self.sock, self.timeout)

    def clear_console(self):
        while _inotify_modified(self.inotify):  # all of it: clients at once may have left many events
            pass

    def wait_console(self, timeout=None):
        """perf_counter() when a console log file was first modified since clear_console()."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DriverError("no console output within %.0f s" % (timeout or self.timeout))
            if select.select([self.inotify], [], [], left)[0] and _inotify_modified(self.inotify):
                return time.perf_counter()

    def close(self):
        if getattr(self, "conn", None):
            self.conn.close()
        if getattr(self, "inotify", None) is not None:
            os.close(self.inotify)
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


class ConsoleWatch:
    """The first console output of many VMs at once, for clients that each wait for their own VM: one thread reads
    the log folder's inotify events and wakes whoever waits for the VM whose log (`vm-ID-NAME.log`, as `serve
    --log-dir` names them) was modified."""

    def __init__(self, logs):
        self.fd = _inotify_watch(logs)
        if self.fd is None:
            raise DriverError("no inotify here: the guests' output is seen only in their log files")
        self.lock = threading.Lock()
        self.seen = {}
        self.done = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _event(self, vm_id):
        with self.lock:
            return self.seen.setdefault(vm_id, threading.Event())

    def _loop(self):
        while not self.done:
            if select.select([self.fd], [], [], 0.2)[0]:
                for name in _inotify_modified(self.fd):
                    m = re.match(r"vm-(\d+)-", name)
                    if m:
                        self._event(int(m.group(1))).set()

    def wait(self, vm_id, timeout):
        if not self._event(vm_id).wait(timeout):
            raise DriverError(f"no console output from VM {vm_id} within {timeout:.0f} s")

    def close(self):
        self.done = True
        self.thread.join()
        os.close(self.fd)


def thp_setting():
    """The host's transparent huge page mode, as /sys shows it (the bracketed word is the one in force)."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return f.read().strip()
    except OSError:
        return "unknown (no /sys/kernel/mm/transparent_hugepage)"
