#!/usr/bin/env bash
# Installs what the Wine Windows test host (test/support/windows/wine-host.ts) needs on Debian 12:
#   - wine (the /usr/bin/wine, wineserver, wineboot wrappers) + wine64 (the 64-bit loader):
#     64-bit only, no i386 architecture is added (the test service is a 64-bit PE, and
#     Wine's own 64-bit sc.exe/cmd.exe/services.exe are all we run);
#   - gcc-mingw-w64-x86-64-win32 to compile test-service.c into a Windows service;
#   - openssh-server/openssh-client (the sshd in front of Wine), via ../ssh/install.sh.
# Idempotent: does nothing (and needs no network) when everything is already there.
# Run as root (CI does: `bash test/support/windows/install.sh`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

bash "$here/../ssh/install.sh"

need=()
command -v wine >/dev/null 2>&1 || need+=(wine)
[ -x /usr/lib/wine/wine64 ] || need+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64-win32)

if [ ${#need[@]} -eq 0 ]; then
  echo "windows test host: wine, wine64 and mingw-w64 already installed"
  exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# No recommends: fonts, GL, sound and gstreamer libraries are not needed by a headless
# prefix that only runs cmd.exe, sc.exe, services.exe and a console service.
apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends "${need[@]}"
echo "windows test host: installed ${need[*]} in $(( $(date +%s) - start )) s"
