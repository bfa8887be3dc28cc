#!/bin/bash
export WARM=${WARM:-150} REPS=2
#
FLAGS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmn2m --enable-native-access=javisor.sys" /tmp/ab/cpuvm.py
FLAGS="-XX:+UseSerialGC -Xss512k --enable-native-access=javisor.sys" /tmp/ab/cpuvm.py
