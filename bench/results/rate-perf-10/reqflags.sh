#!/bin/bash
export REPS=1
for f in "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmn2m --enable-native-access=javisor.sys" \
         "-XX:+UseSerialGC -Xss512k --enable-native-access=javisor.sys"; do
  echo "== $f"; FLAGS="$f" /tmp/ab/reqcpu.py
done
