#!/bin/sh
# fake sudo for SSH test hosts: the sudo(8) behaviour hybrid relies on, as SPEC.md describes.
# Configuration sits next to this file in .fake-sudo/: `password` (absent: NOPASSWD), and
# `calls.log`, where each call appends its options and the number of command arguments.
conf="$(dirname "$0")/.fake-sudo"
mkdir -p "$conf"
noninteractive=0
stdin_password=0
prompt='[sudo] password: '
options=''
while [ $# -gt 0 ]; do
  case "$1" in
    -n) noninteractive=1; options="$options -n"; shift ;;
    -S) stdin_password=1; options="$options -S"; shift ;;
    -k) options="$options -k"; shift ;;
    -p) [ $# -ge 2 ] || { echo "sudo: option requires an argument -- 'p'" >&2; exit 1; }; prompt=$2; options="$options -p"; shift 2 ;;
    --) shift; break ;;
    -*) echo "sudo: the fake sudo does not support the option $1" >&2; exit 1 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "usage: sudo [-nSk] [-p prompt] [--] command [arg ...]" >&2
  exit 1
fi
printf 'options=%s args=%s command=%s\n' "${options# }" "$#" "$1" >> "$conf/calls.log"
if [ -f "$conf/password" ]; then
  expected=$(cat "$conf/password")
  if [ $noninteractive -eq 1 ]; then
    echo "sudo: a password is required" >&2
    exit 1
  fi
  if [ $stdin_password -eq 0 ]; then
    echo "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper" >&2
    exit 1
  fi
  failures=0
  while :; do
    printf '%s' "$prompt" >&2
    # dash reads a pipe one byte at a time: nothing after the newline is consumed.
    if ! IFS= read -r given; then
      if [ $failures -eq 0 ]; then echo "sudo: no password was provided" >&2; else echo "sudo: $failures incorrect password attempt" >&2; fi
      exit 1
    fi
    [ "$given" = "$expected" ] && break
    failures=$((failures + 1))
    if [ $failures -ge 3 ]; then
      echo "sudo: 3 incorrect password attempts" >&2
      exit 1
    fi
    echo "Sorry, try again." >&2
  done
fi
SUDO_USER=$(id -un)
SUDO_COMMAND="$*"
export SUDO_USER SUDO_COMMAND
exec "$@"
