#!/usr/bin/env bash
# Builds a small initramfs for a Linux guest on Javisor: busybox-static, the kernel's virtio modules (Debian's
# kernel has them only as modules: virtio-mmio and -pci, blk, net, console, rng, vsock) and an /init that loads
# them, lists the virtio devices the kernel found (and the vsock device, if the vsock driver took one), optionally
# configures eth0, and starts a shell on the console.
#
#   scripts/make-initramfs.sh                        # from fetch-debian-kernel.sh's cache; prints the output path
#   scripts/make-initramfs.sh BUSYBOX MODULES_DIR OUT.cpio.gz
#
# MODULES_DIR is a kernel's /lib/modules/<version>. The guest's command line can carry:
#   javisor.halt      reboot (through the i8042: boot with reboot=k) once the modules are loaded, instead of a shell
#   javisor.poweroff  power off (ACPI: the DSDT's \_S5 and the sleep control register) once the modules are loaded
#   javisor.acpid     run busybox acpid, which powers off when the ACPI power button is pressed (vm stop -g)
#   javisor.net=IP/PREFIX[,GATEWAY]  bring up lo and eth0 (the first virtio-net device) with that address and,
#                    if given, a default route; before javisor.exec, so a network benchmark can run there
#   javisor.exec=PROG[,ARG...]  run PROG (e.g. one from a second cpio archive appended to this one) with the
#                    arguments (commas become spaces, so none can hold a comma or a space) and say how it ended:
#                    javisor.exec=/bin/netbench,server,tcp,5201,--once
#   root=DEV         mount DEV (ext4) and switch to it, starting its /sbin/init (after the javisor.* steps)
#   javisor.virtiotest  exercise the virtio devices: read and write /dev/vda (its first bytes, its serial, a
#                     write of sector 1 flushed with fsync), read /dev/hwrng, write to /dev/hvc0, read a line
#                     from /dev/hvc1 (up to 2 minutes)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ $# -eq 0 ]; then
  eval "$("$here/fetch-debian-kernel.sh" | sed 's/^/fetched_/')"
  # Named after this script's contents too, so that a changed /init is never served from the cache.
  out="$(dirname "$fetched_vmlinux")/initramfs-$fetched_version-$(sha1sum "$0" | cut -c1-10).cpio.gz"
  [ -f "$out" ] || "$0" "$fetched_busybox" "$fetched_modules" "$out" >&2
  echo "$out"
  exit 0
fi
[ $# -eq 3 ] || { echo "usage: $0 [BUSYBOX MODULES_DIR OUT.cpio.gz]" >&2; exit 2; }
busybox=$1
modules=$2
out=$3
version=$(basename "$modules")

# The virtio transports and devices, and what they need that Debian builds as modules too.
wanted=(
  drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_mmio.ko
  drivers/virtio/virtio_pci.ko drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko
  drivers/block/virtio_blk.ko drivers/net/virtio_net.ko drivers/net/net_failover.ko net/core/failover.ko
  drivers/char/virtio_console.ko drivers/char/hw_random/virtio-rng.ko
  net/vmw_vsock/vsock.ko net/vmw_vsock/vmw_vsock_virtio_transport_common.ko
  net/vmw_vsock/vmw_vsock_virtio_transport.ko
  drivers/acpi/button.ko drivers/input/evdev.ko
  fs/ext4/ext4.ko fs/jbd2/jbd2.ko fs/mbcache.ko lib/crc16.ko crypto/crc32c_generic.ko
)
# ext4 (and jbd2, mbcache, crc16) for a root file system on a virtio disk; crc32c_generic for its metadata
# checksums, which ext4 asks the crypto API for (loaded before it, not left to a request_module at mount time).
# button: the ACPI power button (PNP0C0C) as an input device; evdev: its /dev/input/event* for acpid.
load=(virtio_mmio virtio_pci virtio_blk virtio_net virtio_console virtio_rng vmw_vsock_virtio_transport button evdev)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,etc} "$stage/lib/modules/$version"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
ln -s bin "$stage/sbin"
for m in "${wanted[@]}"; do
  # Some kernels compress their modules; busybox's modprobe loads .ko, .ko.xz and .ko.gz alike.
  src=$(ls "$modules/kernel/$m"* 2>/dev/null | head -n1 || true)
  [ -n "$src" ] || { echo "make-initramfs: $modules/kernel/$m is missing" >&2; exit 1; }
  mkdir -p "$stage/lib/modules/$version/kernel/$(dirname "$m")"
  cp "$src" "$stage/lib/modules/$version/kernel/$(dirname "$m")/"
done
for f in modules.builtin modules.order; do
  [ -f "$modules/$f" ] && cp "$modules/$f" "$stage/lib/modules/$version/"
done
"$busybox" depmod -b "$stage" "$version"
# Every dependency must have come along: a kernel that grew a new one should fail here, not in the guest.
missing=$(tr ' ' '\n' < "$stage/lib/modules/$version/modules.dep" | tr -d ':' | grep '\.ko' | sort -u |
  while read -r dep; do [ -e "$stage/lib/modules/$version/$dep" ] || echo "$dep"; done)
[ -z "$missing" ] || { echo "make-initramfs: modules needed but not packed: $missing" >&2; exit 1; }
# A console node lets the kernel give /init its stdio; making one needs root, and /init copes without it.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

cat > "$stage/init" <<EOF
#!/bin/sh
# Javisor's test initramfs (scripts/make-initramfs.sh).
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "javisor-initramfs: Linux \$(uname -r) on \$(nproc) CPU(s)"
root=
program=
net=
for word in \$(cat /proc/cmdline); do
  case \$word in
    root=*) root=\${word#root=} ;;
    javisor.exec=*) program=\$(echo "\${word#javisor.exec=}" | tr , ' ') ;;
    javisor.net=*) net=\${word#javisor.net=} ;;
  esac
done
for m in ${load[*]}; do
  if modprobe "\$m"; then echo "javisor-initramfs: loaded \$m"; else echo "javisor-initramfs: FAILED to load \$m"; fi
done
echo "javisor-initramfs: virtio devices: \$(ls /sys/bus/virtio/devices 2>/dev/null | tr '\n' ' ')"
# The vsock driver takes at most one device; the guest's CID is the device's (no busybox tool reads it back).
for d in /sys/bus/virtio/drivers/vmw_vsock_virtio_transport/virtio*; do
  [ -e "\$d" ] && echo "javisor-initramfs: vsock device \${d##*/} bound to vmw_vsock_virtio_transport"
done
if [ -n "\$net" ]; then
  address=\${net%%,*}
  gateway=
  case \$net in *,*) gateway=\${net#*,} ;; esac
  ip link set lo up
  # virtio_net registers eth0 as it probes; give it a moment if that is still going on.
  i=0
  while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
  if ip addr add "\$address" dev eth0 && ip link set eth0 up &&
     { [ -z "\$gateway" ] || ip route add default via "\$gateway"; }; then
    echo "javisor-initramfs: eth0 \$address\${gateway:+ via \$gateway}, mac \$(cat /sys/class/net/eth0/address)"
  else
    echo "javisor-initramfs: FAILED to bring up eth0 with \$net"
  fi
fi
if grep -qw javisor.virtiotest /proc/cmdline; then
  if [ -b /dev/vda ]; then
    echo "javisor-initramfs: vda \$(cat /sys/block/vda/size) sectors, read-only \$(cat /sys/block/vda/ro), serial \$(cat /sys/block/vda/serial 2>/dev/null)"
    echo "javisor-initramfs: vda starts with \$(dd if=/dev/vda bs=16 count=1 2>/dev/null)"
    if printf 'written by linux' | dd of=/dev/vda bs=512 seek=1 conv=sync,fsync 2>/dev/null; then
      echo "javisor-initramfs: vda sector 1 written and flushed"
    else
      echo "javisor-initramfs: vda write failed"
    fi
  fi
  if [ -c /dev/hwrng ]; then
    echo "javisor-initramfs: hwrng \$(cat /sys/class/misc/hw_random/rng_current) gave \$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \\n')"
  fi
  if [ -c /dev/hvc0 ]; then
    echo "hello from hvc0" > /dev/hvc0 && echo "javisor-initramfs: wrote hvc0"
  fi
  if [ -c /dev/hvc1 ]; then
    echo "javisor-initramfs: reading a line from hvc1"
    if read -t 120 line < /dev/hvc1; then
      echo "javisor-initramfs: hvc1 gave \"\$line\""
    else
      echo "javisor-initramfs: hvc1 gave nothing"
    fi
  fi
fi
if [ -n "\$program" ]; then
  echo "javisor-initramfs: running \$program"
  # Unquoted on purpose: the words are the program and its arguments.
  \$program
  echo "javisor-initramfs: \$program exited with status \$?"
fi
if grep -qw javisor.halt /proc/cmdline; then
  echo "javisor-initramfs: halting"
  reboot -f
fi
if grep -qw javisor.poweroff /proc/cmdline; then
  # Through /dev/kmsg: printk reaches the serial console before poweroff -f, a tty write might not.
  echo "javisor-initramfs: powering off" > /dev/kmsg
  poweroff -f
fi
if grep -qw javisor.acpid /proc/cmdline; then
  # busybox acpid runs CONFDIR/PWRF/00000080 (through run-parts) when the power button is pressed; its stdout
  # is acpid's log, so the script tells the console through /dev/kmsg.
  mkdir -p /etc/acpi/PWRF
  printf '#!/bin/sh\necho "javisor-initramfs: power button pressed, powering off" > /dev/kmsg\npoweroff -f\n' \
    > /etc/acpi/PWRF/00000080
  chmod +x /etc/acpi/PWRF/00000080
  acpid -f -c /etc/acpi -l /tmp/acpid.log &
  echo "javisor-initramfs: acpid listening on \$(ls /dev/input 2>/dev/null | tr '\n' ' ')"
fi
if [ -n "\$root" ]; then
  modprobe crc32c_generic && modprobe ext4 || echo "javisor-initramfs: FAILED to load ext4"
  mkdir -p /newroot
  if mount -t ext4 "\$root" /newroot; then
    echo "javisor-initramfs: mounted \$root (ext4); starting its /sbin/init"
    mount --move /dev /newroot/dev
    umount /proc /sys
    exec switch_root /newroot /sbin/init
  fi
  echo "javisor-initramfs: could not mount \$root as ext4"
fi
echo "javisor-initramfs: ready"
exec setsid cttyhack sh
EOF
chmod +x "$stage/init"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
echo "make-initramfs: wrote $out ($(wc -c < "$out") bytes)" >&2
