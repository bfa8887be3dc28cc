#!/bin/bash
# The VM rate's floor (C loop, whole VMs in one process) and Javisor's Java API cycle, phase by phase.
cd /tmp/ab
G=/work/main/guests/target/guests
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for k in ${CK:-1 4}; do
  t0=$(date +%s%N)
  for i in $(seq $k); do ./kvm-loop -m 16 -n 20 $G/exit42.elf > /dev/null 2>&1 & done
  wait
  t1=$(date +%s%N)
  echo "C loops at once: $k x 20 VMs: $(( k * 20 * 1000000000 / (t1 - t0) )) VMs/s"
done
$J -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m ${JOPTS:-} \
  -p /work/main/javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
  /work/main/bench/InProcess.java $G ${ROUNDS:-100} ${PAR:-4} | grep -v "^exit42"
