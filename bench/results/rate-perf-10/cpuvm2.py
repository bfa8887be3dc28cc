#!/usr/bin/env python3
# CPU a VM of `javisor serve` (HTTP) and `javisor shell` (stdin), each driven with four steps a VM (create, start,
# stop, delete) and with two (create that starts, delete that stops), in a row, after WARM unmeasured cycles of
# each kind, with the launcher's flags: what the two-step forms save.
import os, sys, time
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
W = "/tmp/ab/serve"; os.makedirs(W, exist_ok=True)
G = "/work/main/guests/target/guests"
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
flags = os.environ.get("FLAGS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys").split()
WARM, N = int(os.environ.get("WARM", "150")), int(os.environ.get("N", "40"))
def cfg(i):
    return bl.write_config(os.path.join(W, f"c{i}.toml"), i, os.path.join(G, "idle.elf"), [(0, 8 << 20, 7)], None)
for d in ("/tmp/sv/logs", "/tmp/sv/slogs", "/tmp/sv/empty"): os.makedirs(d, exist_ok=True)
sock = "/tmp/sv/api.sock"
api = bl.ApiServer([J] + flags + ["-p", "/work/main/javisor-api/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "serve", "--api-sock", sock, "--log-dir", "/tmp/sv/logs"], sock, "/tmp/sv/logs", timeout=60)
def api4(i):
    api.clear_console()
    api.request("POST", "/vms", {"config_path": cfg(i)}); api.request("POST", f"/vms/{i}/start")
    api.wait_console(); api.request("POST", f"/vms/{i}/stop"); api.request("DELETE", f"/vms/{i}")
def api2(i):
    api.clear_console()
    api.request("POST", "/vms", {"config_path": cfg(i), "start": True})
    api.wait_console(); api.request("DELETE", f"/vms/{i}?force=true")
sh = bl.Shell([J] + flags + ["-p", "/work/main/javisor-vmm/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "shell", "--config-dir", "/tmp/sv/empty", "--log-dir", "/tmp/sv/slogs"], markers=["idle"], timeout=60)
sh.watch_console_dir("/tmp/sv/slogs")
def shell4(i):
    sh.clear_console()
    sh.command(f"vm create {cfg(i)}"); sh.command(f"vm start {i}"); sh.wait_console()
    sh.command(f"vm stop {i}"); sh.command(f"vm delete {i}")
def shell2(i):
    sh.clear_console()
    sh.command(f"vm create -s {cfg(i)}"); sh.response(); sh.wait_console()
    sh.command(f"vm delete -f {i}")
def measure(name, pid, cycle, first):
    t0, c0, d0 = time.perf_counter(), bl.process_cpu_ms(pid), time.process_time()
    for i in range(N): cycle(first + i)
    print(f"{name}: {N / (time.perf_counter() - t0):.1f} VMs/s, its CPU {(bl.process_cpu_ms(pid) - c0) / N:.1f} ms a VM, driver {(time.process_time() - d0) * 1000 / N:.1f}", flush=True)
for i in range(WARM): api4(1000 + i); api2(2000 + i); shell4(3000 + i); shell2(4000 + i)
for r in range(int(os.environ.get("REPS", "3"))):
    api.reconnect()
    measure("serve, 4 requests", api.p.pid, api4, 5000 + r * 100)
    measure("serve, 2 requests", api.p.pid, api2, 5000 + r * 100)
    measure("shell, 4 commands", sh.p.pid, shell4, 6000 + r * 100)
    measure("shell, 2 commands", sh.p.pid, shell2, 6000 + r * 100)
api.close(); sh.close()
