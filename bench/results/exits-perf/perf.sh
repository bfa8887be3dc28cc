#!/bin/bash
# Where the resident's exits spend their time vs the C loop's: perf (cpu-clock, system-wide) in the box.
cd /tmp/ab
/work/main/javisor resident > /tmp/ab/resident.log 2>&1 &
rp=$!
for i in $(seq 100); do [ -f /work/main/javisor-vmm/target/resident ] && break; sleep 0.5; done
for w in 1 2 3; do JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/out-150000.toml >/dev/null 2>&1; done
jpid=$(pgrep -f "javisor.vmm.Main resident" | head -1)
echo "resident pid $jpid"
perf record -e cpu-clock -F 1000 -a -g -o /tmp/ab/perf-res.data -- env JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/out-150000.toml > /dev/null 2>&1
/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd $jpid Compiler.perfmap > /dev/null 2>&1
cp /tmp/perf-$jpid.map /tmp/ab/ 2>/dev/null
perf record -e cpu-clock -F 1000 -a -g -o /tmp/ab/perf-c.data -- /tmp/ab/kvm-loop -m 16 -r 0x200000 -c out=150000 /work/main/guests/target/guests/exitbench.elf > /dev/null 2>&1
perf report -i /tmp/ab/perf-res.data --no-children --sort comm,dso --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -30 > /tmp/ab/perf-res-dso.txt
perf report -i /tmp/ab/perf-res.data --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -80 > /tmp/ab/perf-res-sym.txt
perf report -i /tmp/ab/perf-c.data --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -50 > /tmp/ab/perf-c-sym.txt
kill $rp; wait $rp
