#!/bin/bash
now() { date +%s%N; }
echo "== out"
for round in 1 2 3 4; do for m in x S; do for n in 50000 150000; do
  opt=""; [ $m = S ] && opt=-S
  t0=$(now); /tmp/ab/kl $opt -m 16 -r 0x200000 -c "out=$n" /work/main/guests/target/guests/exitbench.elf > /tmp/ab/o.txt 2>&1; t1=$(now)
  echo "$round $m $n $(( (t1 - t0) / 1000000 )) $(grep -o 'tsc=0x[0-9a-f]*' /tmp/ab/o.txt)"
done; done; done
/tmp/ab/jl.sh
