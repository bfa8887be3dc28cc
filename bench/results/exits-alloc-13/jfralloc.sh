#!/bin/sh
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin
for k in out mw hc; do
  JAVISOR_RESIDENT=never JAVISOR_JAVA_OPTS="-XX:StartFlightRecording=name=a,settings=profile" /work/main/javisor run /tmp/ab/alloc/$k-big.toml > /dev/null 2>&1 &
  sleep 45
  pid=$(pgrep -f "javisor.vmm.Main run /tmp/ab/alloc/$k-big" | head -1)
  $J/jcmd $pid JFR.dump name=a filename=/tmp/ab/alloc/$k.jfr > /dev/null
  kill -9 $pid
  wait
done
