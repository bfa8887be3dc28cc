# The launcher's side of the resident Javisor (`javisor resident`, javisor.vmm.Resident), sourced by ./javisor.
# Bash builtins only (but for a cat that forwards standard input when there is one): the point of a resident is
# that a run starts no JVM, and in a start-up measured in milliseconds a process more shows.

# Hands `javisor ARGS` (a run) to the resident Javisor whose state file is FILE ("PORT TOKEN PID") and exits with
# the run's status. Returns instead, having run nothing, when no resident takes it: no state file, one older than
# the build's STAMP (the resident runs the jars it started with), a closed port, or a refusal.
javisor_hand_off() {
  local file=$1 stamp=$2 port token pid reply line status= in_pid= stat
  shift 2
  [ -f "$file" ] || return 1
  if [ -f "$stamp" ] && ! [ "$file" -nt "$stamp" ]; then
    echo "javisor: the resident Javisor predates this build (restart it: javisor resident); running here" >&2
    return 1
  fi
  read -r port token pid < "$file" 2>/dev/null || return 1
  [[ $port =~ ^[0-9]+$ ]] || return 1
  # Standard input goes to the guest's console, as a run's own JVM would take it; not /dev/null, and not a
  # terminal this job is in the background of (reading it would stop the whole job, as `javisor run ... &`).
  local input=
  if ! [ /dev/stdin -ef /dev/null ]; then
    input=" input"
    if [ -t 0 ] && read -r stat < "/proc/$$/stat"; then
      stat=(${stat##*) }) # state ppid pgrp session tty_nr tpgid ...
      [ "${stat[2]}" = "${stat[5]}" ] || input=
    fi
  fi
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf '%s\nrun %d%s\n' "$token" $# "$input" >&3
  printf '%s\0' "$PWD" "$@" >&3
  if ! IFS= read -r reply <&3 || [[ $reply != "ok "* ]]; then
    exec 3<&-
    [ -n "${reply:-}" ] && echo "javisor: the resident Javisor refused the run (${reply#no }); running here" >&2
    return 1
  fi
  # From here the run is the resident's: its status is this process's, whatever happens.
  if ! { exec 4<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    echo "javisor: the resident Javisor (pid $pid) went away" >&2
    exit 6
  fi
  printf '%s\nattach %s\n' "$token" "${reply#ok }" >&4
  if [ -n "$input" ]; then
    exec 5<&0
    cat <&5 >&3 4<&- 5<&- &
    in_pid=$!
    exec 5<&-
  fi
  trap 'if [ -n "$in_pid" ]; then kill "$in_pid" 2>/dev/null; fi; exit 130' INT TERM HUP
  javisor_copy_console <&3
  exec 3<&-
  # After the console's end: the run's standard error (written before its VMs start and after they stop) and
  # its status.
  while IFS= read -r line <&4; do
    case $line in
      "e "*) printf '%s\n' "${line#e }" >&2 ;;
      "x "*) status=${line#x }; break ;;
    esac
  done
  if [ -n "$in_pid" ]; then kill "$in_pid" 2>/dev/null || true; fi
  if ! [[ $status =~ ^[0-9]+$ ]]; then
    echo "javisor: the resident Javisor (pid $pid) ended before the run did" >&2
    exit 6
  fi
  exit "$status"
}

# Copies standard input to standard output byte for byte with bash's read (a cat process would cost a fork and an
# exec): NUL-ended pieces of at most 4096 bytes, what has come after 50 ms without more (a prompt, a partial line),
# and when nothing comes, a blocking wait for the next byte instead of waking 20 times a second.
javisor_copy_console() {
  local LC_ALL=C piece rc n idle=
  while :; do
    rc=0
    if [ -n "$idle" ]; then
      n=1
      IFS= read -r -d '' -n 1 piece || rc=$?
    else
      n=4096
      IFS= read -r -d '' -n 4096 -t 0.05 piece || rc=$?
    fi
    if [ "$rc" -eq 0 ]; then
      # Fewer than n bytes and success: the read ended at a NUL, which it does not keep.
      if [ "${#piece}" -lt "$n" ]; then printf '%s\0' "$piece"; else printf '%s' "$piece"; fi
      idle=
    elif [ "$rc" -gt 128 ]; then
      printf '%s' "$piece"
      if [ -z "$piece" ]; then idle=1; else idle=; fi
    else
      printf '%s' "$piece"
      return 0
    fi
  done
}
