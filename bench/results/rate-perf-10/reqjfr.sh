#!/bin/bash
export REPS=1 N=1000 WARM=300
JFR="-XX:StartFlightRecording=settings=profile,jdk.ExecutionSample#period=1ms" /tmp/ab/reqcpu.py
/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr print --events jdk.ExecutionSample /tmp/ab/req.jfr > /tmp/ab/samples.txt
python3 /work/main/bench/results/rate-perf-9/agg.py
