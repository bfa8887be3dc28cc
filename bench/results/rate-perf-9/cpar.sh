#!/bin/bash
cd /tmp/ab
G=/work/main/guests/target/guests
for k in 1 2 4 8; do
  t0=$(date +%s%N)
  for i in $(seq $k); do ./kvm-loop -m 8 -n 20 $G/exit42.elf > /dev/null 2>&1 & done
  wait
  t1=$(date +%s%N)
  echo "C loops in parallel: $k x 20 VMs: $(( k * 20 * 1000000000 / (t1 - t0) )) VMs/s"
done
