#!/usr/bin/env bash
# Measures what Javisor's filtered threads call (docs/security.md, "How the lists were measured"): runs guests with
# -Djavisor.seccomp=learn-all, in which each filter lets through only the JVM's own calls and reports every other
# call once, lets it run, and prints at exit "seccomp learned PROFILE: CALLS"; then prints, per profile, the union
# over all runs. vCPU threads need KVM: where the host has no /dev/kvm, ./javisor runs each guest in the KVM box
# (README, "The KVM box"), so run this where the box may be used.
#
#   scripts/seccomp-learn.sh [--linux] [OUT_DIR]     # default OUT_DIR: target/seccomp-learn
#   SECCOMP_MODE=learn scripts/seccomp-learn.sh       # report only what the current lists lack
#
# --linux adds a Debian kernel booting with 2 vCPUs and a virtio-blk disk, then powering off (fetched and built by
# scripts/fetch-debian-kernel.sh and scripts/make-initramfs.sh; needs network the first time).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."

linux=no
if [ "${1:-}" = "--linux" ]; then
  linux=yes
  shift
fi
out=${1:-target/seccomp-learn}
mode=${SECCOMP_MODE:-learn-all}
mkdir -p "$out"
guests=guests/target/guests
disk="$out/disk.img"
# virtio_blk.elf checks what it reads against its disk_word(k) pattern (guests/src/virtio_blk.c), as
# VirtioBlockGuestTest writes it: an empty disk would fail its checks (the device paths run all the same).
python3 -c 'import struct, sys
sys.stdout.buffer.write(b"".join(struct.pack("<I", (k * 2654435761 + 0x4A56) & 0xFFFFFFFF) for k in range(2048 * 128)))' > "$disk"

runs=(
  "hello|./javisor run --kernel $guests/hello.elf"
  "smp-demo|./javisor run --bundled smp-demo"
  "ivc-demo|./javisor run --bundled ivc-demo"
  "virtio-blk|./javisor run --kernel $guests/virtio_blk.elf --drive $disk --cmdline blk=0xd0000000,gsi=16,sectors=2048"
)
if [ "$linux" = yes ]; then
  eval "$("$here/fetch-debian-kernel.sh" | sed 's/^/fetched_/')"
  initrd=$("$here/make-initramfs.sh")
  runs+=("linux|./javisor run --kernel $fetched_vmlinux --initrd $initrd --memory 256 --cpus 2 --drive $disk --cmdline console=ttyS0,noxsave,panic=-1,javisor.poweroff")
fi

for run in "${runs[@]}"; do
  name=${run%%|*}
  # Commas in the last word stand for spaces (the command line below is split on spaces).
  read -r -a command <<< "${run#*|}"
  last=$((${#command[@]} - 1))
  command[$last]=${command[$last]//,/ }
  echo "seccomp-learn: $name: ${command[*]}" >&2
  status=0
  JAVISOR_JAVA_OPTS="${JAVISOR_JAVA_OPTS:-} -Djavisor.seccomp=$mode" timeout 600 "${command[@]}" \
      > "$out/$name.out" 2> "$out/$name.err" < /dev/null || status=$?
  echo "seccomp-learn: $name: exit $status, $(grep -c 'seccomp: thread' "$out/$name.err" || true) reports" >&2
done

# "[warning] javisor.sys.seccomp: seccomp learned vcpu: ioctl write ..." -> one line per profile, the union.
cat "$out"/*.err | sed -n 's/.*seccomp learned \([a-z-]*\): /\1 /p' \
  | awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort -u \
  | awk '$1 != p { if (p != "") print line; p = $1; line = $1 ":" } { line = line " " $2 } END { if (p != "") print line }' \
  | sort | tee "$out/learned.txt"
echo "seccomp-learn: per-run logs and learned.txt in $out" >&2
