#!/usr/bin/env bash
# Makes the KVM box's guest: Debian's stock kernel (the ELF vmlinux, which QEMU starts through its PVH entry,
# skipping the decompressor) and an initramfs of busybox, the modules the box needs and bin/box/init as /init.
#
#   bin/box/make-box.sh OUT_DIR     writes OUT_DIR/vmlinux, OUT_DIR/initramfs.gz, OUT_DIR/kernel-version
#
# Everything comes from Debian's archive: the kernel and busybox through scripts/fetch-debian-kernel.sh
# (apt-get download, unpacked, never installed), QEMU and xz installed with apt-get when this runs as root.
# Exit status: 0 made; 3 Debian's archive cannot be reached; 4 packages are missing and this is not root
# (the message names them); anything else, a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root_dir=$(cd "$here/../.." && pwd)
out=${1:?usage: make-box.sh OUT_DIR}
mkdir -p "$out"

# What the host needs: QEMU to run the box, xz to unpack the kernel's payload.
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v xz >/dev/null || missing+=(xz-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "kvm-box: needs the Debian packages ${missing[*]}: run 'apt-get install --no-install-recommends ${missing[*]}' as root" >&2
    exit 4
  fi
  echo "kvm-box: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 ||
    { echo "kvm-box: apt-get install ${missing[*]} failed" >&2; exit 3; }
fi

fetched=$("$root_dir/scripts/fetch-debian-kernel.sh") || exit $?   # 3: the archive cannot be reached
eval "$(sed -n 's/^\([a-z]*\)=/fetched_\1=/p' <<<"$fetched")"
modules=$fetched_modules
version=$fetched_version

# busybox's depmod writes modules.dep into the unpacked package (the .deb carries none).
[ -f "$modules/modules.dep" ] || "$fetched_busybox" depmod -b "${modules%/lib/modules/*}" "$version"

# The modules the box loads, each after the ones it needs. kvm-amd is the point (TCG emulates AMD SVM with nested
# paging, not Intel VMX); virtio-pci, 9p and overlay bring the host's files in; virtio-console carries the
# command's standard streams; tun, veth and bridge let tests build tap devices and network namespaces; vhost_vsock
# is QEMU's vsock device, the benchmark's peer for Javisor's.
wanted=(virtio_pci virtio_console 9pnet_virtio 9p overlay kvm-amd tun veth bridge vhost_vsock)
declare -A path_of=() placed=()
while IFS=: read -r ko _; do
  name=${ko##*/}; name=${name%.ko}
  path_of[${name//-/_}]=$ko
done < "$modules/modules.dep"
order=()
place() { # place MODULE: its dependencies first, then itself, once each
  local name=${1//-/_} line dep
  [ -n "${placed[$name]:-}" ] && return 0
  [ -n "${path_of[$name]:-}" ] || { echo "kvm-box: kernel $version has no module $1" >&2; exit 1; }
  placed[$name]=1
  line=$(grep -m1 "^${path_of[$name]}:" "$modules/modules.dep")
  for dep in ${line#*:}; do
    dep=${dep##*/}
    place "${dep%.ko}"
  done
  order+=("${path_of[$name]}")
}
for m in "${wanted[@]}"; do place "$m"; done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,io,hostroot,upper,newroot,modules}
cp "$fetched_busybox" "$stage/bin/busybox"
for applet in $("$fetched_busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
ln -s bin "$stage/sbin"
: > "$stage/modules/order"
for ko in "${order[@]}"; do
  cp "$modules/$ko" "$stage/modules/"
  echo "${ko##*/}" >> "$stage/modules/order"
done
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | "$fetched_busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 > "$out/initramfs.gz.tmp"
cp "$fetched_vmlinux" "$out/vmlinux.tmp"
mv "$out/initramfs.gz.tmp" "$out/initramfs.gz"
mv "$out/vmlinux.tmp" "$out/vmlinux"
echo "$version" > "$out/kernel-version"
echo "kvm-box: made the box from Debian's kernel $version (modules: $(tr '\n' ' ' < "$stage/modules/order"))" >&2
