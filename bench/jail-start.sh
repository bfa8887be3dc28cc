#!/bin/bash
# bench/jail-start.sh (run in the KVM box as root: bin/kvm-box --rw "$PWD" -- bench/jail-start.sh): milliseconds from
# the command's start to the uart_ticks guest's first tick line, javisor firecracker --config-file plain (with and
# without the AOT cache) and in a jail (javisor jail, which never uses the cache), three rounds interleaved; for
# the jailed run also the jailer's and the VMM's resident memory and the jail cgroup's memory.current.
T=$(cd "$(dirname "$0")/.." && pwd)
grep -q ' - cgroup2 ' /proc/self/mountinfo || mount -t cgroup2 none /sys/fs/cgroup
mkdir -p /srv/jm
cfgdir=$(mktemp -d)
printf '{"boot-source": {"kernel_image_path": "%s"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}' "$T/guests/target/guests/uart_ticks.elf" > $cfgdir/plain.json
printf '{"boot-source": {"kernel_image_path": "/uart_ticks.elf"}, "machine-config": {"vcpu_count": 1, "mem_size_mib": 16}}' > $cfgdir/vm.json
first_tick() { # command... ; prints ms to the first tick
  local out=$(mktemp) start=$(date +%s%N)
  "$@" > $out 2>&1 &
  local pid=$!
  until grep -q 'tick 1' $out; do sleep 0.05; kill -0 $pid 2>/dev/null || { echo "died: $(cat $out)"; return; }; done
  local t=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$1" = "$T/javisor" ] && [ "$2" = jail ]; then
    vmm=$(pgrep -P "$(pgrep -x unshare | head -1)")  # unshare's child: the VMM
    echo "  jailed VMM rss $(grep VmRSS /proc/$vmm/status | tr -s ' ' | cut -d' ' -f2) kB; cgroup memory.current $(( $(cat /sys/fs/cgroup/javisor/m$round/memory.current) / 1024 )) kB"
    jailer=$(pgrep -f 'javisor.vmm.jail.JailMain' | head -1)
    echo "  jailer rss $(grep VmRSS /proc/$jailer/status | tr -s ' ' | cut -d' ' -f2) kB"
  fi
  kill $pid; wait $pid 2>/dev/null
  echo "$t"
}
cd $cfgdir
for round in 1 2 3; do
  echo "round $round plain: $(first_tick $T/javisor firecracker --no-api --config-file $cfgdir/plain.json | tr '\n' ' ')"
  echo "round $round jailed: $(JAVISOR_NO_AOT=1 first_tick $T/javisor jail --id m$round --uid 4321 --gid 4321 --chroot-base-dir /srv/jm --cgroup memory.max=512M --file $T/guests/target/guests/uart_ticks.elf --file $cfgdir/vm.json -- firecracker --no-api --config-file /vm.json | tr '\n' ' ')"
  echo "round $round plain, no AOT: $(JAVISOR_NO_AOT=1 first_tick $T/javisor firecracker --no-api --config-file $cfgdir/plain.json | tr '\n' ' ')"
  sleep 2
  ls /srv/jm/firecracker 2>/dev/null
done
