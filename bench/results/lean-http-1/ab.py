#!/usr/bin/env python3
# What an HTTP request costs the API socket's server: Jetty (`javisor serve`) with the launcher's JVM flags, Jetty
# with FLAGS2 (by default the launcher's with a 32 MiB young generation instead of 2), and Lean.java (a blocking
# HTTP/1.1 loop on a Unix socket, one platform thread a connection, no parsing beyond the request line, headers and
# Content-Length; a prototype, not Javisor's code) with the launcher's flags. GET /ivc, N requests in a row on one
# kept-alive connection after WARM, rounds interleaved.
import os, sys, time, subprocess
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
flags = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m".split()
flags2 = os.environ.get("FLAGS2", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn32m").split()
WARM, N, REPS = int(os.environ.get("WARM", "300")), int(os.environ.get("N", "300")), int(os.environ.get("REPS", "3"))
here = os.path.dirname(os.path.abspath(__file__))
subprocess.run([J[:-4] + "javac", "-d", "/tmp/sv/cls", os.path.join(here, "Lean.java")], check=True)
lean_sock = "/tmp/sv/lean.sock"
lean = subprocess.Popen([J] + flags + ["-cp", "/tmp/sv/cls", "Lean", lean_sock])
while not os.path.exists(lean_sock):
    time.sleep(0.05)
time.sleep(1)  # bound before it listens
def serve(f, name):
    logs = f"/tmp/sv/logs-{name}"
    os.makedirs(logs, exist_ok=True)
    sock = f"/tmp/sv/{name}.sock"
    return bl.ApiServer([J] + f + ["--enable-native-access=javisor.sys", "-p", "/work/main/javisor-api/target/lib",
                        "-m", "javisor.vmm/javisor.vmm.Main", "serve", "--api-sock", sock, "--log-dir", logs],
                        sock, logs, timeout=60)
a, b = serve(flags, "a"), serve(flags2, "b")
servers = [("Jetty, launcher's flags", a.p.pid, a.conn), ("Jetty, " + " ".join(flags2), b.p.pid, b.conn),
           ("Lean.java, launcher's flags", lean.pid, bl._UnixHTTPConnection(lean_sock, 60))]
for _, _, c in servers:
    for _ in range(WARM):
        bl._api_request(c, "GET", "/ivc", None)
for r in range(REPS):
    for name, pid, c in servers:
        t0, c0, d0 = time.perf_counter(), bl.process_cpu_ms(pid), time.process_time()
        for _ in range(N):
            bl._api_request(c, "GET", "/ivc", None)
        print(f"round {r + 1}, {name}: {N / (time.perf_counter() - t0):.0f} requests/s, server CPU "
              f"{(bl.process_cpu_ms(pid) - c0) / N:.2f} ms a request, driver {(time.process_time() - d0) * 1000 / N:.2f}",
              flush=True)
lean.kill()
a.close()
b.close()
