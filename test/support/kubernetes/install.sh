#!/usr/bin/env bash
# Installs what the Kubernetes integration tests need on a Debian 12 machine, as root:
# etcd, openssl, kubectl, and kube-apiserver + kube-controller-manager built from Debian's
# own `kubernetes` source package (it vendors its Go dependencies, so it builds offline).
# Idempotent: the two binaries are cached outside the repository and only built once.
#
# Environment:
#   HYBRID_K8S_BIN_DIR    where the binaries are cached (default /var/cache/hybrid-test/kubernetes/bin)
#   HYBRID_K8S_BUILD_DIR  where the source is unpacked and built (default /var/cache/hybrid-test/kubernetes/build)
#   HYBRID_K8S_BUILD_JOBS Go build parallelism (default 1: the machine's cores are shared)
set -euo pipefail

bin_dir="${HYBRID_K8S_BIN_DIR:-/var/cache/hybrid-test/kubernetes/bin}"
build_dir="${HYBRID_K8S_BUILD_DIR:-/var/cache/hybrid-test/kubernetes/build}"
build_jobs="${HYBRID_K8S_BUILD_JOBS:-1}"
binaries=(kube-apiserver kube-controller-manager)

script_start=$SECONDS
step_start=$SECONDS
step() {
  echo "[kubernetes install] +$((SECONDS - script_start))s (previous step $((SECONDS - step_start))s): $*"
  step_start=$SECONDS
}

if [[ $EUID -ne 0 ]]; then
  echo "test/support/kubernetes/install.sh must run as root (it uses apt-get)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Other setup scripts may run apt at the same time on a shared machine: wait for the lock.
apt_options=(-y -q -o DPkg::Lock::Timeout=900 --no-install-recommends)

step "installing Debian packages"
packages=(etcd-server golang-go rsync jq dpkg-dev openssl)
# Some images already ship another kubectl (for example the Cloud SDK's `kubectl` package),
# which owns /usr/bin/kubectl; installing kubernetes-client over it fails in dpkg.
if ! command -v kubectl >/dev/null 2>&1; then
  packages+=(kubernetes-client)
fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  apt-get update -q -o DPkg::Lock::Timeout=900
  apt-get install "${apt_options[@]}" "${missing[@]}"
fi

all_cached=true
for binary in "${binaries[@]}"; do
  [[ -x "$bin_dir/$binary" ]] || all_cached=false
done
if $all_cached; then
  step "binaries already cached in $bin_dir; nothing to build"
  exit 0
fi

step "adding a deb-src entry for the Debian archive"
sources_file=/etc/apt/sources.list.d/debian.sources
source_list=/etc/apt/sources.list.d/hybrid-kubernetes-deb-src.sources
if [[ ! -f "$source_list" ]]; then
  # Reuse the main archive's URIs and Signed-By from the stanza that is not the security one.
  uris=$(awk 'BEGIN { RS = "" } /Suites:[^\n]*bookworm/ && !/security/ { if (match($0, /URIs:[^\n]*/)) { print substr($0, RSTART + 6, RLENGTH - 6); exit } }' "$sources_file")
  signed_by=$(awk 'BEGIN { RS = "" } /Suites:[^\n]*bookworm/ && !/security/ { if (match($0, /Signed-By:[^\n]*/)) { print substr($0, RSTART + 11, RLENGTH - 11); exit } }' "$sources_file")
  if [[ -z "$uris" ]]; then
    echo "could not find the Debian archive URIs in $sources_file" >&2
    exit 1
  fi
  {
    echo "Types: deb-src"
    echo "URIs: $uris"
    echo "Suites: bookworm"
    echo "Components: main"
    [[ -n "$signed_by" ]] && echo "Signed-By: $signed_by"
  } >"$source_list"
  apt-get update -q -o DPkg::Lock::Timeout=900
fi

step "fetching the kubernetes source package into $build_dir"
mkdir -p "$build_dir"
source_dir=$(find "$build_dir" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
if [[ -z "$source_dir" ]]; then
  (cd "$build_dir" && apt-get source -q kubernetes)
  source_dir=$(find "$build_dir" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
fi
echo "source: $source_dir"

step "building ${binaries[*]} (GOMAXPROCS=$build_jobs)"
# Exactly as the package's debian/rules builds: GOPATH=<source>/.go in which k8s.io/kubernetes
# links back to the source tree, then the project's own make target. The project's
# hack/lib/init.sh sets GO111MODULE=off itself, and GOPATH mode reads vendor/ (the module-mode
# -mod=vendor is not needed); GOPROXY=off makes sure nothing is ever fetched. GOFLAGS must stay
# empty: hack/lib/golang.sh pastes all of GOFLAGS into -tags when it holds no -tags=, so the go
# command's parallelism is limited through GOMAXPROCS, which sets its default -p.
what=""
for binary in "${binaries[@]}"; do
  what="$what cmd/$binary"
done
(
  cd "$source_dir"
  mkdir -p .go/src/k8s.io
  [[ -L .go/src/k8s.io/kubernetes ]] || ln -s ../../.. .go/src/k8s.io/kubernetes
  export GOPATH="$source_dir/.go"
  export GOCACHE="$build_dir/go-build-cache"
  export HOME="$build_dir/home"
  export PATH="/usr/lib/go/bin:$PATH"
  export CGO_ENABLED=0
  unset GOFLAGS
  export GOPROXY=off
  export GOMAXPROCS="$build_jobs"
  mkdir -p "$HOME"
  make WHAT="${what# }"
)

step "caching the binaries in $bin_dir"
mkdir -p "$bin_dir"
for binary in "${binaries[@]}"; do
  built="$source_dir/_output/bin/$binary"
  if [[ ! -x "$built" ]]; then
    echo "the build did not produce $binary" >&2
    exit 1
  fi
  install -m 0755 "$built" "$bin_dir/$binary.tmp"
  mv "$bin_dir/$binary.tmp" "$bin_dir/$binary"
done
"$bin_dir/kube-apiserver" --version
step "done"
