# Finds a JDK 25 or newer and exports JAVA_HOME for it: $JAVA_HOME when it qualifies, else the newest under
# /usr/lib/jvm. Sourced by ./javisor and ./run-tests. Reads each JDK's `release` file with bash builtins only
# (no JVM, no sed, no subshell), since this runs before every start of Javisor.

# Sets REPLY to the major version in $1/release, or 0.
javisor_java_major() {
  local line
  REPLY=0
  [ -r "$1/release" ] || return 0
  while IFS= read -r line; do
    if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
      REPLY=${BASH_REMATCH[1]}
      return 0
    fi
  done < "$1/release"
}

javisor_find_jdk() {
  local candidate best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    javisor_java_major "$JAVA_HOME"
    if [ "$REPLY" -ge 25 ]; then
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    javisor_java_major "$candidate"
    if [ "$REPLY" -ge 25 ] && [ "$REPLY" -gt "$best_major" ]; then
      best=$candidate
      best_major=$REPLY
    fi
  done
  if [ -z "$best" ]; then
    echo "javisor: no JDK 25 or newer found (JAVA_HOME is '${JAVA_HOME:-}', nothing suitable in /usr/lib/jvm)." >&2
    echo "javisor: install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
