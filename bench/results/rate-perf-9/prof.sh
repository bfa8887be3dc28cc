#!/bin/bash
cd /tmp/ab
G=/work/main/guests/target/guests
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
/usr/bin/time -f "C loop: %U user %S sys %e wall for 20 VMs" ./kvm-loop -m 16 -n 20 $G/exit42.elf > /dev/null
$J -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
  -p /work/main/javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
  /work/main/bench/InProcess.java $G ${ROUNDS:-400} ${PAR:-4} 2>&1 | grep -v "^exit42" > /tmp/ab/prof-out.txt &
sleep ${WAIT:-25}
perf record -e cpu-clock -F 1000 -a -g -o /tmp/ab/perf-rate.data -- sleep 12 2>/dev/null
wait
cat /tmp/ab/prof-out.txt
cp /tmp/perf-*.map /tmp/ab/ 2>/dev/null
perf report -i /tmp/ab/perf-rate.data --no-children --sort comm,dso --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -30 > /tmp/ab/perf-rate-dso.txt
perf report -i /tmp/ab/perf-rate.data --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -100 > /tmp/ab/perf-rate-sym.txt
