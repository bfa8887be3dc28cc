# The launcher's up-to-date check, sourced by ./javisor (and by LauncherIT, which tests it on a tree of its own).

# Succeeds when the build in ROOT is missing or older than its inputs: when STAMP is absent, or a file or folder
# that what runs is built from is newer than STAMP. Only those inputs are walked, not the tests, and with bash's
# own globbing: a find process costs a fork and an exec, 0.7 ms more per start than this loop. Folders count too,
# so a deleted or renamed file shows as a newer folder.
javisor_stale() {
  local root=$1 stamp=$2 f
  [ -f "$stamp" ] || return 0
  shopt -s globstar nullglob
  for f in "$root"/pom.xml "$root"/javisor-*/pom.xml "$root"/javisor-*/src/main/** "$root"/guests/pom.xml \
      "$root"/guests/Makefile "$root"/guests/sdk/** "$root"/guests/src/** "$root"/guests/hostile/** "$root"/configs/**; do
    [[ $f -nt $stamp ]] && return 0
  done
  return 1
}
