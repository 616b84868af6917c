#!/usr/bin/env bash
# Installs what the real OpenStack test cloud (test/support/openstack/up.sh) needs on Debian 12,
# as root: the OpenStack Zed python libraries (not the service packages: those ask debconf
# questions, ship init scripts and, for nova-compute, a whole hypervisor), MariaDB, RabbitMQ and
# uwsgi; then the paste ini files, taken once from Debian's *-common packages without installing
# them. Facts and traps: shared/reference/openstack-test-cloud.md.
# Idempotent: does nothing (and needs no network) when everything is already there.
#
# Environment:
#   HYBRID_OPENSTACK_CACHE_DIR  where the paste ini templates go (default /var/cache/hybrid-test/openstack)
set -euo pipefail

cache_dir="${HYBRID_OPENSTACK_CACHE_DIR:-/var/cache/hybrid-test/openstack}"
templates="$cache_dir/templates"
started=$SECONDS

if [[ $EUID -ne 0 ]]; then
  echo "test/support/openstack/install.sh must run as root (it uses apt-get)" >&2
  exit 1
fi

packages=(
  python3-keystone python3-nova python3-neutron python3-glance python3-cinder python3-placement
  python3-pymysql python3-memcache mariadb-server mariadb-client rabbitmq-server
  uwsgi-core uwsgi-plugin-python3 curl
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
paste_files=(nova/api-paste.ini neutron/api-paste.ini glance/glance-api-paste.ini cinder/api-paste.ini)
need_templates=false
for file in "${paste_files[@]}"; do [[ -f "$templates/$file" ]] || need_templates=true; done

if ((${#missing[@]} == 0)) && ! $need_templates; then
  echo "openstack test cloud: packages and templates already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_options=(-y -q -o DPkg::Lock::Timeout=900 --no-install-recommends)

if ((${#missing[@]})); then
  # policy-rc.d (exit 101) keeps the mariadb and rabbitmq postinst scripts from starting daemons
  # on every interface: the bring-up starts its own, bound to 127.0.0.1.
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q -o DPkg::Lock::Timeout=900
  apt-get install "${apt_options[@]}" "${missing[@]}"
  echo "openstack test cloud: installed ${#missing[@]} packages in $((SECONDS - started)) s"
fi

if $need_templates; then
  download=$(mktemp -d)
  chmod 0755 "$download" # apt's _apt user writes the downloads
  (
    cd "$download"
    apt-get download -q nova-common neutron-common glance-common cinder-common
    for deb in ./*.deb; do dpkg-deb -x "$deb" extracted; done
  )
  # Debian ships them as /usr/share/<service>-common/<file>, copied to /etc/<service>/ by postinst.
  for file in "${paste_files[@]}"; do
    install -D -m 0644 "$download/extracted/usr/share/${file%%/*}-common/${file#*/}" "$templates/$file"
  done
  rm -rf "$download"
  echo "openstack test cloud: paste ini templates in $templates"
fi
echo "openstack test cloud: install done in $((SECONDS - started)) s"
