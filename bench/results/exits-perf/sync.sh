#!/bin/bash
now() { date +%s%N; }
for kind in out; do echo "== $kind"
for round in 1 2 3 4; do for m in 0 1 3; do for n in 50000 150000; do
  t0=$(now); /tmp/ab/kl -s $m -m 16 -r 0x200000 -c "$kind=$n" /work/main/guests/target/guests/exitbench.elf > /tmp/ab/o.txt 2>&1; t1=$(now)
  echo "$round s$m $n $(( (t1 - t0) / 1000000 )) $(grep -o 'tsc=0x[0-9a-f]*' /tmp/ab/o.txt)"
done; done; done; done
