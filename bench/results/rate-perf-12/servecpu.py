#!/usr/bin/env python3
# javisor serve's CPU a VM split by thread (two-step API cycle, four clients at once), optionally under JFR.
import os, sys, threading, time, glob, subprocess
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
W = "/tmp/w"; os.makedirs(W, exist_ok=True)
G = "/tmp/g"; os.makedirs(G, exist_ok=True)
import shutil; shutil.copy("/work/main/guests/target/guests/idle.elf", G)
LIB = "/tmp/lib"
if not os.path.isdir(LIB): shutil.copytree("/work/main/javisor-api/target/lib", LIB)
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
logs = "/tmp/sv/logs"; os.makedirs(logs, exist_ok=True)
os.makedirs("/tmp/sv", exist_ok=True); sock = "/tmp/sv/api.sock"
if os.path.exists(sock): os.unlink(sock)
flags = os.environ.get("FLAGS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m").split() + ["--enable-native-access=javisor.sys"]
jfr = os.environ.get("JFR", "")
cmd = [J] + flags + ["-p", LIB, "-m", "javisor.vmm/javisor.vmm.Main", "serve", "--api-sock", sock, "--log-dir", logs]
api = bl.ApiServer(cmd, sock, logs)
pid = api.p.pid
def cfg(i):
    return bl.write_config(os.path.join(W, f"c{i}.toml"), i, os.path.join(G, "idle.elf"), [(0, 8 << 20, 7)], None)
def threads():
    out = {}
    for t in glob.glob(f"/proc/{pid}/task/*"):
        try:
            name = open(t + "/comm").read().strip()
            f = open(t + "/stat").read().rsplit(")", 1)[1].split()
            hz = os.sysconf("SC_CLK_TCK")
            out[t + 'u'] = (name + ' user', int(f[11]) * 1000 / hz)
            out[t + 's'] = (name + ' sys', int(f[12]) * 1000 / hz)
        except OSError:
            pass
    return out
def group(name):
    import re
    kind = name.rsplit(" ", 1)[1]
    if name.startswith("vms-api"): return "jetty pool " + kind
    if name.startswith("VM[") or "VCpu" in name: return "vcpu " + kind
    return re.sub(r"\d+", "N", name)
watch = bl.ConsoleWatch(logs)
def client(c, first, each):
    conn = api.client()
    for i in range(each):
        vid = first + c * each + i
        v = conn.request("POST", "/vms", {"config_path": cfg(vid), "start": True})["vm"]["id"]
        watch.wait(v, 30)
        conn.request("DELETE", f"/vms/{v}?force=true")
    conn.close()
def at_once(first, clients, each, show=True):
    ts = [threading.Thread(target=client, args=(c, first, each)) for c in range(clients)]
    th0 = threads(); t0 = time.perf_counter(); c0 = bl.process_cpu_ms(pid)
    for t in ts: t.start()
    for t in ts: t.join()
    n = clients * each
    total = (bl.process_cpu_ms(pid) - c0) / n
    th1 = threads()
    groups = {}
    for k, (name, ms) in th1.items():
        d = ms - th0.get(k, (name, 0))[1]
        groups[group(name)] = groups.get(group(name), 0) + d / n
    live = sum(groups.values())
    groups["(ended threads)"] = total - live
    if show:
        print(f"{clients} at once: {n / (time.perf_counter() - t0):.1f} VMs/s, serve CPU {total:.1f} ms a VM: " +
              ", ".join(f"{g} {v:.1f}" for g, v in sorted(groups.items(), key=lambda x: -x[1]) if abs(v) >= 0.2), flush=True)
at_once(100000, 1, int(os.environ.get("WARM", "300")), show=False)
print("warm done", flush=True)
if jfr:
    subprocess.run([J.replace("/java", "/jcmd"), str(pid), "JFR.start", "name=m", "settings=profile", "jdk.ExecutionSample#period=1ms"], check=False, stdout=subprocess.DEVNULL)
for r in range(int(os.environ.get("REPS", "3"))):
    at_once(2000 + r * 1000, 1, 12)
    at_once(5000 + r * 1000, 4, 12)
watch.close()
if jfr:
    subprocess.run([J.replace("/java", "/jcmd"), str(pid), "JFR.dump", "name=m", "filename=/tmp/ab/prof12/serve.jfr"], check=False, stdout=subprocess.DEVNULL)
api.close()
