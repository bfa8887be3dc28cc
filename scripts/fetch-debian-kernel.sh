#!/usr/bin/env bash
# Fetches Debian's stock x86-64 kernel and busybox-static into a cache outside the repository and extracts the
# ELF vmlinux from the kernel's bzImage. Used by docs/linux.md and by the Linux end-to-end tests.
#
#   scripts/fetch-debian-kernel.sh            # prints key=value lines (see the end), downloads on first use
#
# Cache: $JAVISOR_CACHE/debian, else ${XDG_CACHE_HOME:-~/.cache}/javisor/debian. A finished package directory
# holds a .done stamp and is reused without touching the network.
# Exit status: 0 done; 3 the Debian archive cannot be reached (callers may skip); anything else, a failure.
set -euo pipefail

cache="${JAVISOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/javisor}/debian"
mkdir -p "$cache"

unreachable() {
  echo "fetch-debian-kernel: the Debian archive cannot be reached: $*" >&2
  exit 3
}

# A download failure is "unreachable" when apt says so; any other failure is a real error.
download() { # download PACKAGE into the current directory
  local log
  if ! log=$(apt-get download "$1" 2>&1); then
    echo "$log" >&2
    if grep -qiE 'Temporary failure resolving|Could not resolve|Failed to fetch|Unable to connect|Connection (failed|timed out|refused)|Network is unreachable' <<<"$log"; then
      unreachable "apt-get download $1 failed"
    fi
    echo "fetch-debian-kernel: apt-get download $1 failed" >&2
    exit 1
  fi
}

command -v apt-get >/dev/null || unreachable "no apt-get on this machine"

# linux-image-amd64 is a metapackage; the kernel is its linux-image-<abi>-amd64 dependency.
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
  apt-get update -qq >&2 || unreachable "apt-get update failed"
fi
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kernel_pkg" ] || { echo "fetch-debian-kernel: cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
version=${kernel_pkg#linux-image-}

unpack() { # unpack PACKAGE: apt-get download + dpkg -x into $cache/PACKAGE, once
  local pkg=$1 dir="$cache/$1"
  [ -f "$dir/.done" ] && return 0
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp/deb"
  (cd "$dir.tmp/deb" && download "$pkg")
  dpkg -x "$dir.tmp/deb/"*.deb "$dir.tmp/root"
  rm -rf "$dir.tmp/deb"
  mv "$dir.tmp" "$dir"
  touch "$dir/.done"
}

unpack "$kernel_pkg"
unpack busybox-static

root="$cache/$kernel_pkg/root"
bzimage="$root/boot/vmlinuz-$version"
busybox="$cache/busybox-static/root/bin/busybox"
vmlinux="$cache/$kernel_pkg/vmlinux"
[ -f "$bzimage" ] || { echo "fetch-debian-kernel: $bzimage missing from $kernel_pkg" >&2; exit 1; }

# The bzImage's payload (boot.rst: payload_offset at 0x248 and payload_length at 0x24c, counted from the
# protected-mode kernel, which starts at (setup_sects + 1) * 512) is the compressed vmlinux followed by its
# 4-byte uncompressed size.
extract_vmlinux() {
  local setup_sects offset length magic dec tmp="$vmlinux.tmp"
  u8() { od -An -tu1 -j "$1" -N1 "$bzimage" | tr -d ' '; }
  u32() { od -An -tu4 -j "$1" -N4 "$bzimage" | tr -d ' '; }
  setup_sects=$(u8 $((0x1f1)))
  [ "$setup_sects" -eq 0 ] && setup_sects=4
  offset=$(( (setup_sects + 1) * 512 + $(u32 $((0x248))) ))
  length=$(( $(u32 $((0x24c))) - 4 ))
  magic=$(od -An -tx1 -j "$offset" -N6 "$bzimage" | tr -d ' \n')
  case "$magic" in
    fd377a585a00*) dec=(xz -dc) ;; # busybox's unxz cannot: the kernel's stream uses the x86 BCJ filter
    28b52ffd*) dec=(zstd -dc) ;;
    1f8b*) dec=(gzip -dc) ;;
    02214c18*) dec=(lz4 -dc) ;;
    425a68*) dec=(bzip2 -dc) ;;
    5d0000*) dec=(xz --format=lzma -dc) ;;
    *) echo "fetch-debian-kernel: unknown compression (magic $magic) at offset $offset of $bzimage" >&2; exit 1 ;;
  esac
  command -v "${dec[0]}" >/dev/null || {
    echo "fetch-debian-kernel: ${dec[0]} is needed to unpack the kernel (apt-get install xz-utils zstd)" >&2
    exit 1
  }
  # head reads the file itself, so no stage of the pipe can be cut short by a closed pipe.
  head -c $((offset + length)) "$bzimage" | tail -c "$length" | "${dec[@]}" > "$tmp"
  if [ "$(od -An -tx1 -N4 "$tmp" | tr -d ' \n')" != "7f454c46" ]; then
    echo "fetch-debian-kernel: the payload of $bzimage did not decompress to an ELF file" >&2
    exit 1
  fi
  mv "$tmp" "$vmlinux"
}
[ -f "$vmlinux" ] || extract_vmlinux

echo "version=$version"
echo "bzimage=$bzimage"
echo "vmlinux=$vmlinux"
echo "modules=$root/lib/modules/$version"
echo "busybox=$busybox"
