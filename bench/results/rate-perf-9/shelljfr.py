#!/usr/bin/env python3
# JFR (1 ms samples) of `javisor shell` over sequential cycles after WARM unmeasured ones.
import os, sys, subprocess, time
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
W = "/tmp/ab/serve"; os.makedirs(W, exist_ok=True)
G = "/work/main/guests/target/guests"
J = "/usr/lib/jvm/temurin-25-jdk-amd64/bin"
flags = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys".split()
def cfg(i):
    return bl.write_config(os.path.join(W, f"c{i}.toml"), i, os.path.join(G, "idle.elf"), [(0, 8 << 20, 7)], None)
for d in ("/tmp/sv/slogs", "/tmp/sv/empty"): os.makedirs(d, exist_ok=True)
sh = bl.Shell([J + "/java"] + flags + ["-p", "/work/main/javisor-vmm/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "shell", "--config-dir", "/tmp/sv/empty", "--log-dir", "/tmp/sv/slogs"], markers=["idle"], timeout=60)
sh.watch_console_dir("/tmp/sv/slogs")
def cycle(i):
    sh.clear_console()
    sh.command(f"vm create {cfg(i)}"); sh.command(f"vm start {i}"); sh.wait_console()
    sh.command(f"vm stop {i}"); sh.command(f"vm delete {i}")
for i in range(150): cycle(3000 + i)
subprocess.run([J + "/jcmd", str(sh.p.pid), "JFR.start", "name=m", "settings=profile", "jdk.ExecutionSample#period=1ms"], check=False, capture_output=True)
t0, c0 = time.perf_counter(), bl.process_cpu_ms(sh.p.pid)
for i in range(150): cycle(4000 + i)
print(f"shell: {150 / (time.perf_counter() - t0):.1f} VMs/s, CPU {(bl.process_cpu_ms(sh.p.pid) - c0) / 150:.1f} ms a VM (JFR on)", flush=True)
subprocess.run([J + "/jcmd", str(sh.p.pid), "JFR.dump", "name=m", "filename=/tmp/ab/shell.jfr"], check=False, capture_output=True)
sh.close()
