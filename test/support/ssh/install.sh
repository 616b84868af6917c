#!/usr/bin/env bash
# Installs what the real OpenSSH test hosts (test/support/ssh/hosts.ts) need on Debian 12.
# Idempotent: does nothing (and needs no network) when everything is already there.
# Run as root (CI does: `bash test/support/ssh/install.sh`).
set -euo pipefail

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)

if [ ${#need[@]} -eq 0 ]; then
  echo "ssh test hosts: openssh-server and openssh-client already installed"
  exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the package from starting the system sshd on port 22: the tests
# start their own sshd processes and never need the system one.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT

apt-get update -q
apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends "${need[@]}"
# sshd refuses to start without its privilege separation directory.
mkdir -p /run/sshd
echo "ssh test hosts: installed ${need[*]} in $(( $(date +%s) - start )) s"
