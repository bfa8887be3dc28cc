"""Section 8 of bench/run-all: `javisor firecracker` start-up, process start to the guest's first console byte
and to its exit, against QEMU microvm, on exit42.elf (prints `exit42`, debug exit 42).

  - Firecracker's sequence: the process starts with `--api-sock`, then curl sends PUT /boot-source,
    PUT /machine-config and PUT /actions InstanceStart, one after another, as a Firecracker user does;
  - `--api-sock S --config-file F` against `--no-api --config-file F`: the same VM from the same file, with and
    without the API server, so that their difference is what the API server costs (target: at most 15 ms);
  - `javisor run --kernel` and QEMU microvm on the same guest, for scale.

Javisor runs from a copy of javisor-api/target/lib with an AOT cache trained on it, with the launcher's JVM flags.
"""
import json
import os
import select
import shutil
import subprocess
import time

import benchlib as bl

EXIT42_STATUS = 85
API_BUDGET_MS = 15.0


def snapshot(s, log):
    """The javisor-api jars copied aside, an AOT cache trained on them as the launcher trains its own, and the
    java command that runs them."""
    src = os.path.join(s.tree, "javisor-api", "target", "lib")
    jars = [j for j in os.listdir(src) if j.endswith(".jar")] if os.path.isdir(src) else []
    if not jars:
        raise RuntimeError(f"no jars in {src}: build Javisor first (./javisor)")
    lib = os.path.join(s.work, "api-lib")
    os.makedirs(lib, exist_ok=True)
    for j in jars:
        shutil.copy2(os.path.join(src, j), lib)
    flags = s.launcher_flags()
    main = ["-p", lib, "-m", "javisor.api/javisor.api.firecracker.FirecrackerMain"]
    aot = os.path.join(s.work, "firecracker.aot")
    sock = os.path.join(s.work, "train.sock")
    log("firecracker: training an AOT cache for the javisor-api jars, as the launcher does")
    subprocess.run([s.java] + flags + ["-XX:AOTCacheOutput=" + aot, "-Xlog:aot=off", "-Xlog:cds=off"] + main
                   + ["--api-sock", sock, "--config-file", config_file(s)], stdin=subprocess.DEVNULL,
                   capture_output=True)
    if os.path.exists(sock):
        os.unlink(sock)
    if os.path.exists(aot):
        flags += ["-XX:AOTCache=" + aot, "-Xlog:aot=off", "-Xlog:cds=off"]
    else:
        s.notes.append("firecracker: the AOT cache could not be trained; javisor firecracker ran without one.")
    return [s.java] + flags + main


def config_file(s):
    path = os.path.join(s.work, "exit42-firecracker.json")
    with open(path, "w") as f:
        json.dump({"boot-source": {"kernel_image_path": s.guests["exit42"]},
                   "machine-config": {"vcpu_count": 1, "mem_size_mib": 128}}, f)
    return path


def api_sequence(cmd, sock, kernel, curl):
    """Starts the process with --api-sock, sends Firecracker's three requests with curl as soon as the socket is
    there, and times the first console byte and the exit from the process's start. Returns (first, exit, API
    ready) in ms."""
    if os.path.exists(sock):
        os.unlink(sock)
    start = time.perf_counter()
    p = subprocess.Popen(cmd + ["--api-sock", sock], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    try:
        deadline = start + 60
        while not os.path.exists(sock):
            if p.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError("javisor firecracker did not open its API socket: "
                                   + p.stderr.read().decode(errors="replace")[-600:])
            time.sleep(0.0005)
        ready = time.perf_counter()
        for path, body in (("/boot-source", {"kernel_image_path": kernel}),
                           ("/machine-config", {"vcpu_count": 1, "mem_size_mib": 128}),
                           ("/actions", {"action_type": "InstanceStart"})):
            r = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", sock, "-X",
                                "PUT", "http://localhost" + path, "-d", json.dumps(body)], capture_output=True,
                               text=True)
            if r.stdout != "204":
                raise RuntimeError(f"PUT {path} answered {r.stdout}: {r.stderr}")
        fd = p.stdout.fileno()
        first = None
        out = bytearray()
        while True:
            if not select.select([fd], [], [], 60)[0]:
                raise RuntimeError("no console output for 60 s after InstanceStart")
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            if first is None:
                first = time.perf_counter()
            out += chunk
        p.wait(60)
        end = time.perf_counter()
        if p.returncode != EXIT42_STATUS or b"exit42" not in out:
            raise RuntimeError(f"exit status {p.returncode}, output {bytes(out)[-200:]!r}")
        return (first - start) * 1000, (end - start) * 1000, (ready - start) * 1000
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()


def section(result, s, log, rounds):
    r = result
    curl = shutil.which("curl")
    if curl is None:
        raise RuntimeError("curl is missing (apt-get install curl): it is the client of Firecracker's sequence")
    fc = snapshot(s, log)
    config = config_file(s)
    sock = os.path.join(s.work, "fc.sock")
    variants = {
        "javisor firecracker --no-api --config-file": fc + ["--no-api", "--config-file", config],
        "javisor firecracker --api-sock --config-file": None,  # a fresh socket path each run, below
        "javisor run --kernel": s.java_cmd + ["run", "--kernel", s.guests["exit42"]],
        "QEMU -M microvm": s.qemu_cmd("microvm", 128, s.guests["exit42"]),
    }
    api_name = "javisor firecracker --api-sock, then curl: boot-source, machine-config, InstanceStart"
    first = {name: [] for name in [api_name] + list(variants)}
    total = {name: [] for name in first}
    ready = []
    log(f"firecracker: {rounds} rounds")
    for rnd in range(rounds):
        f, t, a = api_sequence(fc, sock, s.guests["exit42"], curl)
        first[api_name].append(f)
        total[api_name].append(t)
        ready.append(a)
        for name, cmd in variants.items():
            if cmd is None:
                if os.path.exists(sock):
                    os.unlink(sock)
                cmd = fc + ["--api-sock", sock, "--config-file", config]
            run = bl.run_measured(cmd)
            bl.check(run, EXIT42_STATUS, b"exit42", name)
            first[name].append(run.first_ms)
            total[name].append(run.total_ms)
    micro_first = bl.summary(first["QEMU -M microvm"])[0]
    micro_exit = bl.summary(total["QEMU -M microvm"])[0]
    r.md += ["Process start to the guest's first console byte and to the exit; guest `exit42.elf`, 128 MiB, 1 vCPU. "
             "Interleaved rounds; ms, median (min-max). The API sequence's requests are three curl processes, "
             "sent as soon as the socket exists.", "",
             "| run | n | first console byte | vs QEMU microvm | exit | vs QEMU microvm |", "|---|---|---|---|---|---|"]
    for name in first:
        r.md.append(f"| {name} | {len(first[name])} | {bl.fmt(first[name], 0)} | "
                    f"{bl.summary(first[name])[0] / micro_first:.2f}x | {bl.fmt(total[name], 0)} | "
                    f"{bl.summary(total[name])[0] / micro_exit:.2f}x |")
    with_api = bl.summary(first["javisor firecracker --api-sock --config-file"])[0]
    without = bl.summary(first["javisor firecracker --no-api --config-file"])[0]
    cost = with_api - without
    r.md += ["", f"The API socket was open {bl.fmt(ready, 0)} ms after the process started. The API server's cost "
             f"(first console byte with `--api-sock` minus without, the same config file): {cost:.1f} ms."]
    r.targets = [("8. API server's cost to `javisor firecracker` start-up", f"at most {API_BUDGET_MS:.0f} ms",
                  f"{cost:.1f} ms", cost <= API_BUDGET_MS),
                 ("8. Firecracker's API sequence to the first console byte", "QEMU microvm's start-up, for scale",
                  f"{bl.summary(first[api_name])[0]:.0f} ms vs {micro_first:.0f} ms "
                  f"({bl.summary(first[api_name])[0] / micro_first:.2f}x)", "info")]
    r.chart = {name.replace(", then curl: boot-source, machine-config, InstanceStart", " + 3 curl requests"): v
               for name, v in first.items()}
    return r
