#!/bin/sh
# Watchdog of the test hosts (see registerCleanup in process-util.ts): reads lines
#   add ID SHELL-COMMAND     remember a cleanup command
#   del ID                   forget it
# from stdin, a pipe from the node test process. At EOF -- the node process is gone, normally
# or not -- runs the commands still remembered. Started in its own process group and ignoring
# INT/TERM/HUP so that a signal to the test's process group does not take it down first.
trap '' INT TERM HUP
dir=$(mktemp -d "${TMPDIR:-/tmp}/hybrid-watchdog.XXXXXX") || exit 1

# killtree PID: the process and every descendant, children first (sshd's per-connection
# processes call setsid(), so a process group kill would miss them)
killtree() {
  for s in /proc/[0-9]*/stat; do
    ppid=$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "$s" 2>/dev/null)
    if [ "$ppid" = "$1" ]; then
      c=${s#/proc/}
      killtree "${c%/stat}"
    fi
  done
  kill -9 "$1" 2>/dev/null
}

while IFS= read -r line; do
  case "$line" in
    "add "*)
      rest=${line#add }
      id=${rest%% *}
      printf '%s\n' "${rest#* }" > "$dir/$id" ;;
    "del "*) rm -f "$dir/${line#del }" ;;
  esac
done
for f in "$dir"/*; do
  [ -f "$f" ] && . "$f"
done
rm -rf "$dir"
