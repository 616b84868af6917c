# Sourced by every recording command (see ../SPEC.md). POSIX sh + coreutils only.
#
# Provides:
#   rec_init NAME "$@"   remember the call; one JSON line is appended to
#                        $REC_ROOT/var/log/recorded-commands.log when the command exits
#                        (with its exit code), even when it fails
#   rec_fail_injected    exit with an injected failure if the test asked for one
#   say / err            print to stdout / stderr
# Sets: REC_ROOT (the host's root dir), REC_HOST, REC_ADDRESS, REC_HOSTS_DIR, REC_STATE.

rec_bin_dir=$(cd "$(dirname "$0")" && pwd)
# .recording/config is written by recording-commands.ts with ROOT, HOST, ADDRESS, HOSTS_DIR
# so that the commands work the same inside and outside an SSH session.
. "$rec_bin_dir/.recording/config"
REC_ROOT=$ROOT
REC_HOST=$HOST
REC_ADDRESS=$ADDRESS
REC_HOSTS_DIR=$HOSTS_DIR
REC_STATE="$rec_bin_dir/.recording"

say() { printf '%s\n' "$*"; }
err() { printf '%s\n' "$*" >&2; }

# JSON string of $1 (quotes included): escapes \ " and control characters.
rec_json_str() {
  printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037' \
    | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/\r/\\r/g' \
    | awk 'BEGIN { ORS = ""; printf "\"" } NR > 1 { printf "\\n" } { print } END { printf "\"" }'
}

rec_init() {
  rec_command=$1
  shift
  rec_time=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  rec_args=""
  for a in "$@"; do
    rec_args="$rec_args${rec_args:+,}$(rec_json_str "$a")"
  done
  rec_cwd=$(pwd)
  rec_env=""
  for n in HYBRID_TEST_HOST_NAME HOME USER LOGNAME KUBECONFIG DEBIAN_FRONTEND NEEDRESTART_MODE SUDO_USER LANG $EXTRA_ENV; do
    if eval "[ \"\${$n+set}\" = set ]"; then
      eval "v=\${$n}"
      rec_env="$rec_env${rec_env:+,}\"$n\":$(rec_json_str "$v")"
    fi
  done
  trap 'rec_write $?' EXIT
}

rec_write() {
  mkdir -p "$REC_ROOT/var/log"
  printf '{"time":%s,"host":%s,"command":%s,"args":[%s],"cwd":%s,"env":{%s},"exitCode":%s}\n' \
    "$(rec_json_str "$rec_time")" "$(rec_json_str "$REC_HOST")" "$(rec_json_str "$rec_command")" \
    "$rec_args" "$(rec_json_str "$rec_cwd")" "$rec_env" "$1" >> "$REC_ROOT/var/log/recorded-commands.log"
}

# An injected failure: .recording/fail/<command>.code (exit code), optional .stderr (message)
# and .args (only when the arguments, joined by spaces, start with it).
rec_fail_injected() {
  f="$REC_STATE/fail/$rec_command"
  [ -f "$f.code" ] || return 0
  if [ -f "$f.args" ]; then
    case "$*" in
      "$(cat "$f.args")"*) ;;
      *) return 0 ;;
    esac
  fi
  [ -f "$f.stderr" ] && cat "$f.stderr" >&2
  exit "$(cat "$f.code")"
}
