#!/usr/bin/env python3
# CPU a request of `javisor serve` for requests that do no VM work (GET /ivc, GET /vms/ID, a refused start), in a
# row on one connection after WARM of each: the HTTP layer's own cost.
import os, sys, time
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
W = "/tmp/ab/serve"; os.makedirs(W, exist_ok=True)
G = "/work/main/guests/target/guests"
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
flags = os.environ.get("FLAGS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys").split()
jfr = os.environ.get("JFR", "")
WARM, N = int(os.environ.get("WARM", "300")), int(os.environ.get("N", "300"))
os.makedirs("/tmp/sv/logs", exist_ok=True)
sock = "/tmp/sv/api.sock"
api = bl.ApiServer([J] + flags + ([jfr] if jfr else []) + ["-p", "/work/main/javisor-api/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "serve", "--api-sock", sock, "--log-dir", "/tmp/sv/logs"], sock, "/tmp/sv/logs", timeout=60)
cfg = bl.write_config(os.path.join(W, "c1.toml"), 1, os.path.join(G, "idle.elf"), [(0, 8 << 20, 7)], None)
api.request("POST", "/vms", {"config_path": cfg})
def split(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]), int(f[12])  # utime, stime in clock ticks
def refused():
    try:
        api.request("POST", "/vms/99/start")
    except bl.DriverError:
        pass
kinds = [("GET /ivc", lambda: api.request("GET", "/ivc")), ("GET /vms/1", lambda: api.request("GET", "/vms/1")),
         ("GET /vms", lambda: api.request("GET", "/vms")), ("POST /vms/99/start (404)", refused)]
for _, f in kinds:
    for _ in range(WARM): f()
for r in range(int(os.environ.get("REPS", "2"))):
    api.reconnect()
    for name, f in kinds:
        t0, c0, d0, (u0, s0) = time.perf_counter(), bl.process_cpu_ms(api.p.pid), time.process_time(), split(api.p.pid)
        for _ in range(N): f()
        u1, s1 = split(api.p.pid)
        print(f"{name}: {N / (time.perf_counter() - t0):.0f}/s, serve CPU {(bl.process_cpu_ms(api.p.pid) - c0) / N:.2f} ms a request (user {(u1 - u0) * 10 / N:.2f}, system {(s1 - s0) * 10 / N:.2f}), driver {(time.process_time() - d0) * 1000 / N:.2f}", flush=True)
        if os.environ.get("STRACE") and r == 0 and name == "GET /ivc":
            import subprocess
            st = subprocess.Popen(["strace", "-f", "-c", "-o", "/tmp/ab/strace.txt", "-p", str(api.p.pid)])
            time.sleep(2)
            for _ in range(200): f()
            st.terminate(); st.wait()
if jfr:
    import subprocess
    subprocess.run(['/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd', str(api.p.pid), 'JFR.dump', 'filename=/tmp/ab/req.jfr'], check=False)
api.close()
