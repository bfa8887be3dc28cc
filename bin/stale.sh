# The launcher's up-to-date check, sourced by ./javisor (and by LauncherIT, which tests it on a tree of its own).

# What runs is built from these in ROOT (set in REPLY_INPUTS): files, and folders taken whole. Not the tests.
# The walk below checks them; a resident Javisor (bin/resident.sh) watches them for changes.
javisor_build_inputs() {
  local root=$1
  shopt -s nullglob
  REPLY_INPUTS=("$root"/pom.xml "$root"/javisor-*/pom.xml "$root"/javisor-*/src/main "$root"/guests/pom.xml
    "$root"/guests/Makefile "$root"/guests/sdk "$root"/guests/src "$root"/guests/hostile "$root"/configs)
}

# Succeeds when the build in ROOT is missing or older than its inputs: when STAMP is absent, or an input file, or a
# file or folder in an input folder, is newer than STAMP. Walked with bash's own globbing: a find process costs a
# fork and an exec, 0.7 ms more per start than this loop. Folders count too, so a deleted or renamed file shows as
# a newer folder.
javisor_stale() {
  local root=$1 stamp=$2 f input
  [ -f "$stamp" ] || return 0
  javisor_build_inputs "$root"
  shopt -s globstar
  for input in "${REPLY_INPUTS[@]}"; do
    for f in "$input" "$input"/**; do
      [[ $f -nt $stamp ]] && return 0
    done
  done
  return 1
}
