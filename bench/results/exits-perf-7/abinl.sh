#!/bin/bash
# Interleaved A/B: two residents at once, one with the launcher's CompileCommand inline flags (A), one without (B);
# each run is handed to one or the other by putting its state file in place. Same code, same box, same minute.
cd /tmp/ab
ST=/work/main/javisor-vmm/target/resident
now() { date +%s%N; }
/work/main/javisor resident > /tmp/ab/resA.log 2>&1 &
for i in $(seq 200); do [ -f $ST ] && break; sleep 0.5; done
cp $ST /tmp/ab/stA
apid=$(awk '{print $3}' /tmp/ab/stA)
mapfile -d '' cmd < /proc/$apid/cmdline
b=()
skip=0
for a in "${cmd[@]}"; do
  case $a in ${DROP:-NONE}) continue ;; esac
  [ "$a" = -m ] && [ -n "${BFLAGS:-}" ] && b+=($BFLAGS)
  if [ $skip = 1 ]; then b+=(/tmp/ab/stB); skip=0; continue; fi
  [ "$a" = --file ] && skip=1
  b+=("$a")
done
"${b[@]}" > /tmp/ab/resB.log 2>&1 &
for i in $(seq 200); do [ -f /tmp/ab/stB ] && break; sleep 0.5; done
echo "A pid $apid, B: ${b[*]}" | cut -c1-400
use() { cp /tmp/ab/st$1 $ST; }
for kind in ${KINDS:-out}; do
  for v in A B; do use $v; for w in 1 2 3; do JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/$kind-150000.toml >/dev/null 2>&1; done; done
done
echo "warm done $(date +%T)"
for kind in ${KINDS:-out}; do
echo "== $kind"
for round in ${ROUNDS:-1 2 3 4}; do
  for v in A B; do
    use $v
    for n in 50000 150000; do
      t0=$(now)
      JAVISOR_RESIDENT=required /work/main/javisor run /tmp/ab/$kind-$n.toml > /tmp/ab/out-$v-$n.txt 2>&1
      t1=$(now)
      echo "$round $v $n $(( (t1 - t0) / 1000000 )) $(grep -o 'tsc=0x[0-9a-f]*' /tmp/ab/out-$v-$n.txt)"
    done
  done
done
done
kill %1 %2; wait
