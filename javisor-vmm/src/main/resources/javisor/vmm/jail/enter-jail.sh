# The jail's entry step (javisor jail, JailProcess): bash runs this as PID 1 of the jail's new PID namespace, in
# its new mount, IPC, UTS and network namespaces, still as root and still seeing the host's files.
#   enter-jail.sh ROOT CGROUP_PROCS HOSTNAME UID GID [HOST_PATH PATH_IN_JAIL]... -- COMMAND...
# It joins the cgroup, names the UTS namespace, binds each HOST_PATH read-only into ROOT, mounts a /proc of the new
# PID namespace, pivot_roots into ROOT and detaches the host's root, then execs COMMAND through the jail's own
# setpriv as UID:GID with no supplementary groups, no capabilities and no_new_privs, in an empty environment.
# Any failure ends it before the VMM starts (set -e), with the failing command's message on standard error.
set -euo pipefail
root=$1 cgroup_procs=$2 hostname=$3 uid=$4 gid=$5
shift 5
# Found now: after pivot_root the host's binaries are only under /.old-root, and their libraries too, where the
# dynamic loader (which looks in the jail) does not look: umount is then run through the old root's own loader,
# told where umount's libraries are.
umount=$(command -v umount)
loader=$(readlink -f "$(ldd "$umount" | sed -n 's|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p')")
libdirs=$(ldd "$umount" | sed -n 's|.*=> \(/.*\)/[^/]* (0x.*|/.old-root\1|p' | sort -u | paste -sd:)
# Before anything else, so that every process of the jail is counted against its limits.
echo 0 > "$cgroup_procs"
echo "$hostname" > /proc/sys/kernel/hostname
# pivot_root wants the new root to be a mount point; nosuid: nothing in the jail gains privileges by exec.
mount --bind "$root" "$root"
mount -o remount,bind,nosuid "$root"
while [ "$1" != -- ]; do
  # util-linux makes a read-only bind in two steps (bind, then remount read-only); both fail loudly.
  mount --bind -o ro,nosuid,nodev "$1" "$root$2"
  shift 2
done
shift
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
cd "$root"
pivot_root . .old-root
# The host's root, now at /.old-root, is detached: nothing in the jail can reach it again. umount itself is
# still run from there (its binary is on the old root); after this line only the jail's own files exist.
"/.old-root$loader" --library-path "$libdirs" "/.old-root$umount" -l /.old-root
cd /
exec -c /javisor/bin/setpriv --reuid "$uid" --regid "$gid" --clear-groups --inh-caps=-all --bounding-set=-all \
  --no-new-privs -- "$@"
