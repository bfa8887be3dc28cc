#!/usr/bin/env python3
# Bytes the JVM allocates per exit: young collections (-Xlog:gc) over runs of 20000 and 220000 exits, in a JVM per
# run (the launcher's flags) and handed to a warm resident (every tier).
import os, re, subprocess, sys, time
sys.path.insert(0, "/work/main/bench")
import benchlib as bl
L = "/work/main/javisor"; A = "/tmp/ab/alloc"
KINDS = os.environ.get("KINDS", "out in mw mr hc").split()
def gc_count(log):
    return len(re.findall(r"Pause Young", open(log).read())) if os.path.exists(log) else 0
mode = sys.argv[1]
if mode == "run":
    for k in KINDS:
        res = []
        for n in (20000, 220000):
            log = f"{A}/gc-{k}-{n}.log"
            env = dict(os.environ, JAVISOR_JAVA_OPTS=f"-Xlog:gc:file={log}", JAVISOR_RESIDENT="never")
            subprocess.run([L, "run", f"{A}/{k}-{n}.toml"], env=env, capture_output=True)
            res.append(gc_count(log))
        print(f"JVM per run {k}: young GCs {res[0]} at 20000 exits, {res[1]} at 220000; eden 1.6 MiB -> about "
              f"{(res[1]-res[0]) * 1.6 * 2**20 / 200000:.0f} bytes an exit", flush=True)
else:
    log = f"{A}/gc-resident.log"
    if os.path.exists(log): os.remove(log)
    os.environ["JAVISOR_JAVA_OPTS"] = f"-Xlog:gc:file={log}"
    res = bl.start_resident(L, [L, "run", "--kernel", "/work/main/guests/target/guests/exit42.elf"], 20)
    del os.environ["JAVISOR_JAVA_OPTS"]
    env = dict(os.environ, JAVISOR_RESIDENT="required")
    for k in KINDS:  # warm each path
        for _ in range(3):
            subprocess.run([L, "run", f"{A}/{k}-220000.toml"], env=env, capture_output=True)
    for k in KINDS:
        out = []
        for n in (20000, 220000, 20000, 220000):
            g0 = gc_count(log)
            subprocess.run([L, "run", f"{A}/{k}-{n}.toml"], env=env, capture_output=True)
            time.sleep(0.5)
            out.append(gc_count(log) - g0)
        print(f"resident {k}: young GCs {out} for 20000/220000/20000/220000 exits", flush=True)
    res.stop()
    print(open(log).read()[-600:])
