#!/usr/bin/env python3
# javisor serve under JFR, driven by 4 clients at once (as run-all's rate section), to see where its CPU goes.
import os, sys, threading, time
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
W = "/tmp/ab/serve"
G = "/work/main/guests/target/guests"
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
logs = "/tmp/sv/logs"; os.makedirs(logs, exist_ok=True)
os.makedirs("/tmp/sv", exist_ok=True); sock = "/tmp/sv/api.sock"
if os.path.exists(sock): os.unlink(sock)
flags = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys".split()
jfr = os.environ.get("JFR", "")
cmd = [J] + flags + ([jfr] if jfr else []) + ["-p", "/work/main/javisor-api/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "serve", "--api-sock", sock, "--log-dir", logs]
api = bl.ApiServer(cmd, sock, logs)
def cfg(i):
    return bl.write_config(os.path.join(W, f"c{i}.toml"), i, os.path.join(G, "idle.elf"), [(0, 8 << 20, 7)], None)
watch = bl.ConsoleWatch(logs)
def client(c, first, each):
    conn = api.client()
    for i in range(each):
        vid = first + c * each + i
        conn.request("POST", "/vms", {"config_path": cfg(vid)})
        conn.request("POST", f"/vms/{vid}/start")
        watch.wait(vid, 30)
        conn.request("POST", f"/vms/{vid}/stop")
        conn.request("DELETE", f"/vms/{vid}")
    conn.close()
def at_once(first, clients, each):
    ts = [threading.Thread(target=client, args=(c, first, each)) for c in range(clients)]
    t0 = time.perf_counter(); c0 = bl.process_cpu_ms(api.p.pid)
    for t in ts: t.start()
    for t in ts: t.join()
    n = clients * each
    print(f"{clients} at once: {n / (time.perf_counter() - t0):.1f} VMs/s, serve CPU {(bl.process_cpu_ms(api.p.pid) - c0) / n:.1f} ms a VM", flush=True)
at_once(1000, 1, int(os.environ.get("WARM", "100")))
if jfr:
    import subprocess
    subprocess.run(["/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd", str(api.p.pid), "JFR.start", "name=m", "settings=profile", "jdk.ExecutionSample#period=1ms"], check=False)
for r in range(int(os.environ.get("REPS", "3"))):
    at_once(2000 + r * 1000, 1, 12)
    at_once(5000 + r * 1000, 4, 12)
watch.close()
if jfr:
    import subprocess
    subprocess.run(['/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd', str(api.p.pid), 'JFR.dump', 'name=m', 'filename=/tmp/ab/serve.jfr'], check=False)
api.close()
