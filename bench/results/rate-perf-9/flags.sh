#!/bin/bash
cd /tmp/ab
G=/work/main/guests/target/guests
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for rep in 1 2; do
for v in "" "-XX:CompileThresholdScaling=1" "-XX:CompileThresholdScaling=1 -XX:TieredStopAtLevel=4"; do
  echo "== flags: ${v:-launcher flags}"
  $J -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m $v \
    -p /work/main/javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
    /work/main/bench/InProcess.java $G ${ROUNDS:-200} ${PAR:-4} 2>&1 | grep -E "cycle_cpu|cycle_ms|^vms_per|parallel"
done
done
