#!/bin/bash
# Context switches and CPU features: the resident during one run of out=150000 vs the C loop.
grep -o -w 'avx\|avx2\|avx512f\|xsaves\|xsaveopt' /proc/cpuinfo | sort | uniq -c
ST=/work/main/javisor-vmm/target/resident
/work/main/javisor resident > /tmp/ab/resident.log 2>&1 &
for i in $(seq 200); do [ -f $ST ] && break; sleep 0.5; done
for w in 1 2 3; do JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/out-150000.toml >/dev/null 2>&1; done
jpid=$(awk '{print $3}' $ST)
perf stat -e context-switches,cpu-migrations,task-clock -p $jpid -o /tmp/ab/cs-res.txt -- env JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/out-150000.toml > /dev/null 2>&1 &
sleep 0.2; wait %2 2>/dev/null
sleep 1
ps -L -o tid,comm,nvcsw,nivcsw -p $jpid 2>/dev/null | head -30
cat /proc/$jpid/status | grep ctxt
perf stat -e context-switches,cpu-migrations,task-clock -o /tmp/ab/cs-c.txt -- /tmp/ab/kvm-loop -m 16 -r 0x200000 -c out=150000 /work/main/guests/target/guests/exitbench.elf > /dev/null 2>&1
cat /tmp/ab/cs-res.txt /tmp/ab/cs-c.txt
kill %1; wait
