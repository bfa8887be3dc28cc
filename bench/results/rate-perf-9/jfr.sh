#!/bin/bash
cd /tmp/ab
G=/work/main/guests/target/guests
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
$J -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m \
  -XX:StartFlightRecording=filename=/tmp/ab/rate.jfr,settings=profile,jdk.ExecutionSample#period=1ms,delay=15s,duration=45s \
  -p /work/main/javisor-vmm/target/lib --add-modules javisor.vmm --enable-native-access=javisor.sys \
  /work/main/bench/InProcess.java $G ${ROUNDS:-600} ${PAR:-4} 2>&1 | grep -E "cycle_cpu|cycle_ms|^vms_per|parallel"
