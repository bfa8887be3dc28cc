#!/usr/bin/env python3
# Which thread of `javisor shell` makes each VM (KVM_CREATE_VM): the reserve's maker, or `vm create` itself.
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
sh = bl.Shell(["strace", "-f", "-tt", "-e", "trace=ioctl", "-e", "signal=none", "-o", "/tmp/ab/reserve-strace.txt", J + "/java"] + flags + ["-p", "/work/main/javisor-vmm/target/lib", "-m", "javisor.vmm/javisor.vmm.Main", "shell", "--config-dir", "/tmp/sv/empty", "--log-dir", "/tmp/sv/slogs"], markers=["idle"], timeout=60)
sh.watch_console_dir("/tmp/sv/slogs")
def cycle(i):
    sh.clear_console()
    sh.command(f"vm create {cfg(i)}"); sh.command(f"vm start {i}"); sh.wait_console()
    sh.command(f"vm stop {i}"); sh.command(f"vm delete {i}")
for i in range(60): cycle(3000 + i)
sh.close()
