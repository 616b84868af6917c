#!/usr/bin/env bash
# Stops the test cloud that up.sh started: TERM to exactly the process groups recorded in
# $state/run/*.pid whose leaders are still the processes recorded, then KILL to what is left after
# 10 s. Keeps the state for post-mortems (up.sh throws it away). Idempotent.
set -uo pipefail

state="${HYBRID_OPENSTACK_STATE_DIR:-/var/lib/hybrid-test/openstack}"
source "$(cd "$(dirname "$0")" && pwd)/processes.sh"
run="$state/run"
[[ -d "$run" ]] || { echo "openstack test cloud: not running (no $run)"; exit 0; }
rm -f "$state/READY"

groups=()
for file in "$run"/*.pid; do
  [[ -f "$file" ]] || continue
  case "$file" in *.real.pid) continue ;; esac
  # only groups whose leader is still the process recorded: a reused pid is someone else's
  pid=$(recorded_process "$file") && groups+=("$pid")
done
for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
for ((i = 0; i < 50; i++)); do
  alive=0
  for pid in "${groups[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.2
done
for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
for file in "$run"/*.pid; do [[ -f "$file" ]] && rm -f "$file"; done
echo "openstack test cloud: stopped ${#groups[@]} process groups"
