#!/usr/bin/env python3
"""Start-up benchmark: process start to the guest's first console byte and to its exit.

Runs the same trivial Multiboot guest (guests/target/guests/exit42.elf) under `javisor run --kernel`, under
QEMU `-M microvm` and `-M pc`, and under variants of the Java command line (to show where the milliseconds go),
in interleaved rounds, and writes a Markdown report with medians, spreads and ratios against QEMU microvm.

Usage: bench/startup.py [--rounds N] [--pc-rounds N] [--out DIR]
Needs: a built tree (./javisor builds it), qemu-system-x86_64 (apt-get install qemu-system-x86), /dev/kvm (without
one it runs itself inside the KVM box, bin/kvm-box).
"""
import argparse
import datetime
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import benchlib  # noqa: E402
GUEST = os.path.join(ROOT, "guests", "target", "guests", "exit42.elf")
LIB = os.path.join(ROOT, "javisor-vmm", "target", "lib")
AOT = os.path.join(ROOT, "javisor-vmm", "target", "javisor.aot")
RUNTIME = os.path.join(ROOT, "javisor-vmm", "target", "runtime")
EXPECTED_STATUS = 85  # exit42.elf writes 42 to the debug-exit port: (42 << 1) | 1


def java_home():
    out = subprocess.run(["bash", "-c", f". {ROOT}/bin/jdk.sh && javisor_find_jdk && echo $JAVA_HOME"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def launcher_java():
    """The java the launcher runs: its jlinked runtime image when there is one, else the JDK's."""
    java = os.path.join(RUNTIME, "bin", "java")
    return java if os.access(java, os.X_OK) else os.path.join(java_home(), "bin", "java")


def measure(cmd, env=None):
    """Runs cmd (with env added to this environment); returns (ms to first stdout byte, ms to exit, exit status,
    max RSS in KiB)."""
    full_env = dict(os.environ, **env) if env else None
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         env=full_env)
    first = None
    fd = p.stdout.fileno()
    while True:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            p.kill()
            raise RuntimeError(f"no output for 120 s from {cmd}")
        chunk = os.read(fd, 4096)
        if chunk and first is None:
            first = time.perf_counter()
        if not chunk:
            break
    _, status, usage = os.wait4(p.pid, 0)
    end = time.perf_counter()
    code = os.waitstatus_to_exitcode(status)
    return ((first or end) - start) * 1000, (end - start) * 1000, code, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--pc-rounds", type=int, default=3, help="QEMU -M pc takes seconds a run")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()

    benchlib.rerun_in_box_if_needed(os.path.abspath(__file__), ROOT, sys.argv[1:], args.out)
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        sys.exit("startup.py: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)")
    # The launcher builds the tree and trains the AOT cache on its first run.
    subprocess.run([os.path.join(ROOT, "javisor"), "run", "--kernel", GUEST], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    java = launcher_java()
    base = [java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=10", "-Xss512k",
            "--enable-native-access=javisor.sys"]
    main_args = ["-p", LIB, "-m", "javisor.vmm/javisor.vmm.Main", "run", "--kernel", GUEST]
    qemu_args = ["-enable-kvm", "-cpu", "host,-arch-capabilities", "-m", "128", "-nodefaults", "-nographic",
                 "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", GUEST]
    launcher = [os.path.join(ROOT, "javisor"), "run", "--kernel", GUEST]
    resident = benchlib.start_resident(launcher[0], launcher)
    # name: (command, rounds, environment added)
    variants = {
        "javisor (./javisor launcher)": (launcher, args.rounds, {"JAVISOR_RESIDENT": "never"}),
        "javisor, handed to `javisor resident` (launcher)": (launcher, args.rounds,
                                                              {"JAVISOR_RESIDENT": "required"}),
        "java + AOT cache (launcher's flags)": (base + ["-XX:AOTCache=" + AOT, "-Xlog:aot=off", "-Xlog:cds=off"]
                                                + main_args, args.rounds),
        "java, no AOT cache": (base + main_args, args.rounds),
        "java, default GC and JIT, no AOT": ([java, "--enable-native-access=javisor.sys"] + main_args,
                                             args.rounds),
        "java -version (JVM alone)": ([java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                                       "-version"], args.rounds),
        "qemu -M microvm": ([qemu, "-M", "microvm"] + qemu_args, args.rounds),
        "qemu -M pc": ([qemu, "-M", "pc"] + qemu_args, args.pc_rounds),
    }
    variants = {name: v if len(v) == 3 else (*v, None) for name, v in variants.items()}
    results = {name: [] for name in variants}
    for r in range(max(n for _, n, _ in variants.values())):
        for name, (cmd, n, env) in variants.items():
            if r >= n:
                continue
            first, total, code, rss = measure(cmd, env)
            if "version" not in name and code != EXPECTED_STATUS:
                sys.exit(f"startup.py: {name} exited with {code}, expected {EXPECTED_STATUS}")
            results[name].append((first, total, rss))
        print(f"round {r + 1} done", file=sys.stderr)

    resident.stop()

    def stats(values):
        med = statistics.median(values)
        return med, min(values), max(values)

    micro_total = statistics.median(t for _, t, _ in results["qemu -M microvm"])
    micro_first = statistics.median(f for f, _, _ in results["qemu -M microvm"])
    lines = [
        "# Start-up benchmark",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, kernel {platform.release()}, on {benchlib.where()}; guest `exit42.elf` "
        "(Multiboot, prints `exit42`, "
        f"debug exit 42). Rounds interleaved; times from process start, in ms: median (min-max).",
        "",
        "| run | n | first console byte | ratio | exit | ratio vs QEMU microvm | max RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in results.items():
        f_med, f_min, f_max = stats([f for f, _, _ in rows])
        t_med, t_min, t_max = stats([t for _, t, _ in rows])
        rss = statistics.median(r for _, _, r in rows) / 1024
        first_cell = "-" if "version" in name else f"{f_med:.0f} ({f_min:.0f}-{f_max:.0f})"
        first_ratio = "-" if "version" in name else f"{f_med / micro_first:.2f}x"
        lines.append(f"| {name} | {len(rows)} | {first_cell} | {first_ratio} | {t_med:.0f} ({t_min:.0f}-{t_max:.0f}) "
                     f"| {t_med / micro_total:.2f}x | {rss:.0f} |")
    report = "\n".join(lines) + "\n"
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "startup.md")
    with open(path, "w") as f:
        f.write(report)
    print(report)
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
