#!/bin/bash
# Exits through a resident Javisor (full tiered JIT, warm) vs a one-shot JVM with the launcher's flags vs the C loop.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
F="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -Xss512k -Xmn2m --enable-native-access=javisor.sys"
LIB=/work/main/javisor-vmm/target/lib
now() { date +%s%N; }
/work/main/javisor resident > /tmp/ab/resident.log 2>&1 &
rp=$!
for i in $(seq 100); do [ -f /work/main/javisor-vmm/target/resident ] && break; sleep 0.5; done
for kind in ${KINDS:-hc out}; do
  for w in 1 2 3; do JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/$kind-150000.toml >/dev/null 2>&1; done
done
echo "warm done $(date +%T)"
for kind in ${KINDS:-hc out}; do
echo "== $kind"
for round in ${ROUNDS:-1 2 3 4}; do
  for v in ${VARIANTS:-new res c}; do
    for n in 50000 150000; do
      t0=$(now)
      case $v in
        c) /tmp/ab/kvm-loop -m 16 -r 0x200000 -c "$kind=$n" /work/main/guests/target/guests/exitbench.elf > /tmp/ab/out-$v-$n.txt 2>&1 ;;
        res) JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/$kind-$n.toml > /tmp/ab/out-$v-$n.txt 2>&1 ;;
        *) $J $F -p $LIB -m javisor.vmm/javisor.vmm.Main run /tmp/ab/$kind-$n.toml > /tmp/ab/out-$v-$n.txt 2>&1 ;;
      esac
      t1=$(now)
      echo "$round $v $n $(( (t1 - t0) / 1000000 )) $(grep -o 'tsc=0x[0-9a-f]*' /tmp/ab/out-$v-$n.txt)"
    done
  done
done
done
kill $rp; wait $rp
