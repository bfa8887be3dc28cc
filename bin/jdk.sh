# Finds a JDK 25 or newer and exports JAVA_HOME for it: $JAVA_HOME when it qualifies, else the newest under
# /usr/lib/jvm. Sourced by ./javisor and ./run-tests. Reads each JDK's `release` file rather than starting a
# JVM to ask, since this runs before every start of Javisor.
javisor_java_major() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n 1)
  echo "${v:-0}"
}

javisor_find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(javisor_java_major "$JAVA_HOME")" -ge 25 ]; then
    return 0
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(javisor_java_major "$candidate")
    if [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then
      best=$candidate
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "javisor: no JDK 25 or newer found (JAVA_HOME is '${JAVA_HOME:-}', nothing suitable in /usr/lib/jvm)." >&2
    echo "javisor: install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
