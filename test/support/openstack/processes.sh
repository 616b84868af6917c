# Sourced by up.sh and down.sh: the test cloud's processes, recorded so that they are recognised
# again only while they are the same processes. A pid file holds "<pid> <start time>"; a pid that
# a later process reuses (after a reboot, or after the session that started the cloud ended) has
# another start time and is not ours.

# The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or nothing.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
  stat=${stat##*) }
  set -- $stat
  echo "${20}"
}

# Records a started process: `record_process NAME PID`.
record_process() {
  echo "$2 $(start_time "$2")" >"$state/run/$1.pid"
}

# Prints the pid recorded in a pid file when that process is still the one recorded.
recorded_process() {
  local pid recorded
  [[ -f "$1" ]] || return 1
  read -r pid recorded <"$1" || return 1
  [[ "$pid" =~ ^[0-9]+$ && -n "$recorded" ]] || return 1
  [[ "$(start_time "$pid")" == "$recorded" ]] || return 1
  echo "$pid"
}
