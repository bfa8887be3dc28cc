#!/bin/bash
# A/B inside the box: Javisor before (old-lib, 3859fa3) and after (new-lib, a534c52) the registers went through
# kvm_run, and the C loop, on exitbench KIND=N (KIND: hc or out; default hc), four rounds. VARIANTS picks the
# builds (default "old new c"; "regs": regs-lib/, built with regs-only.diff). Expects in /tmp/ab:
# old-lib/ and new-lib/ (javisor-vmm/target/lib of each build), kvm-loop (bench/kvm-loop.c, gcc -O2) and
# KIND-50000.toml, KIND-150000.toml (benchlib.write_config with run-all's exit regions and cmdline KIND=N).
kind=${1:-hc}
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
F="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys"
now() { date +%s%N; }
for round in 1 2 3 4; do
  for v in ${VARIANTS:-old new c}; do
    for n in 50000 150000; do
      t0=$(now)
      if [ $v = c ]; then
        /tmp/ab/kvm-loop -m 16 -r 0x200000 -c "$kind=$n" /work/main/guests/target/guests/exitbench.elf > /tmp/ab/out-$v-$n.txt 2>&1
      else
        $J $F -p /tmp/ab/$v-lib -m javisor.vmm/javisor.vmm.Main run /tmp/ab/$kind-$n.toml > /tmp/ab/out-$v-$n.txt 2>&1
      fi
      t1=$(now)
      echo "$round $v $n $(( (t1 - t0) / 1000000 )) $(grep -o 'tsc=0x[0-9a-f]*' /tmp/ab/out-$v-$n.txt)"
    done
  done
done
