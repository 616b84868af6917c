/**
 * The shell scripts `K8sCluster.onHosts` runs over SSH (POSIX sh; Debian and Ubuntu hosts with
 * apt and systemd), following kubeadm's installation guide ("Installing kubeadm", "Creating a
 * cluster with kubeadm"). Every value comes in through the environment, so the script texts are
 * constants and the blueprint shows exactly what runs. Each script can run again after a crash
 * or a retry and converges: kubeadm refuses a second `init` or `join` on a host, so the scripts
 * look for kubeadm's files first and skip what was done.
 *
 * | script | runs on | as | does |
 * | --- | --- | --- | --- |
 * | MASTER_SCRIPT | master | create | install, `kubeadm init`, pod network; publishes endpoint, join_command, join_token, kubeconfig, node_name |
 * | WORKER_SCRIPT | each worker | create | install; publishes node_name |
 * | TOKEN_SCRIPT | master | a worker relationship's target preconfigure | publishes a fresh join command over the master's join_command |
 * | JOIN_SCRIPT | each worker | its relationship's source establish | `kubeadm join` with the master's join_command, unless joined already |
 * | NODES_READY_SCRIPT | master | create | waits until every node registered and is Ready |
 * | DRAIN_SCRIPT | master | a worker relationship's target unlink | `kubectl drain` and `kubectl delete node` of that worker |
 * | RESET_SCRIPT | master and workers | delete | `kubeadm reset -f`, and the pod network's configuration |
 */

/**
 * What every script starts with: strict mode, the hosts' root, the node name, and `masked`, which
 * runs a command with its output (stdout and stderr together) on stdout and every bootstrap token
 * (`abcdef.0123456789abcdef`) masked. kubeadm prints tokens (init's join line, a join's errors);
 * the log shows a script's output as it comes, before hybrid knows the token is a secret.
 */
const PRELUDE = `#!/bin/sh
set -eu
# The hosts' / as the scripts see it: '/' except where each host's files live under a directory
# (HOST_ROOT relative to the login directory, as on hybrid's SSH test hosts).
root=$(cd "\${HOST_ROOT:-/}" && pwd -P)
if [ "$root" = / ]; then root=; fi
# kubeadm's own default node name: the host name, lower case.
node_name=$(hostname | tr '[:upper:]' '[:lower:]')

mask() {
  sed -u -E 's/[a-z0-9]{6}\\.[a-z0-9]{16}/******.****************/g'
}

masked() {
  masked_status=$(mktemp)
  { "$@" 2>&1 && echo 0 >"$masked_status" || echo $? >"$masked_status"; } | mask
  masked_code=1
  read -r masked_code <"$masked_status" || true
  rm -f "$masked_status"
  return "$masked_code"
}
`;

/**
 * Installs what every node needs, at KUBERNETES_VERSION (`1.30.3`). A node of a cluster (its
 * /etc/kubernetes/kubelet.conf exists) that runs another version is left alone, with an error:
 * new packages under a running node would skip `kubeadm upgrade`. With PREPARE_HOST=true the
 * operating system is prepared first, as kubeadm's guide asks: swap off (and kept off in
 * /etc/fstab), the overlay and br_netfilter modules, bridged traffic through iptables and IP
 * forwarding, and the pkgs.k8s.io apt repository of the version's minor release. Then the
 * container runtime (CONTAINER_RUNTIME=containerd: the distribution's containerd, set to the
 * systemd cgroup driver that kubeadm configures the kubelet for) and kubelet, kubeadm and kubectl
 * at that version, held when the host was prepared here; the kubelet is enabled (it restarts until
 * `kubeadm init` or `join` configures it).
 */
const INSTALL = `
minor=\${KUBERNETES_VERSION%.*}
if [ -f "$root/etc/kubernetes/kubelet.conf" ] && command -v kubeadm >/dev/null 2>&1; then
  installed=$(kubeadm version -o short)
  if [ "$installed" != "v$KUBERNETES_VERSION" ]; then
    echo "this node runs Kubernetes $installed, not v$KUBERNETES_VERSION: a node of a cluster changes version with kubeadm upgrade, which hybrid does not run; nothing was changed" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$PREPARE_HOST" = true ]; then
  echo "preparing the host for Kubernetes $minor: swap off, kernel modules, sysctls, package repository"
  swapoff -a
  # The kubelet refuses to start with swap on: keep it off after a reboot too.
  sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# \\1/' "$root/etc/fstab"
  mkdir -p "$root/etc/modules-load.d" "$root/etc/sysctl.d" "$root/etc/apt/keyrings" "$root/etc/apt/sources.list.d"
  printf 'overlay\\nbr_netfilter\\n' >"$root/etc/modules-load.d/kubernetes.conf"
  modprobe overlay
  modprobe br_netfilter
  printf 'net.bridge.bridge-nf-call-iptables = 1\\nnet.bridge.bridge-nf-call-ip6tables = 1\\nnet.ipv4.ip_forward = 1\\n' >"$root/etc/sysctl.d/kubernetes.conf"
  sysctl --system >/dev/null
  apt-get update -q
  apt-get install -y -q apt-transport-https ca-certificates curl gpg
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/v$minor/deb/Release.key" | gpg --dearmor --yes -o "$root/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
  echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v$minor/deb/ /" >"$root/etc/apt/sources.list.d/kubernetes.list"
fi
apt-get update -q
if [ "$CONTAINER_RUNTIME" = containerd ]; then
  apt-get install -y -q containerd
  mkdir -p "$root/etc/containerd"
  containerd_config=$(containerd config default)
  printf '%s\\n' "$containerd_config" | sed 's/SystemdCgroup = false/SystemdCgroup = true/' >"$root/etc/containerd/config.toml"
  systemctl restart containerd
  systemctl enable containerd
fi
apt-get install -y -q "kubelet=$KUBERNETES_VERSION-*" "kubeadm=$KUBERNETES_VERSION-*" "kubectl=$KUBERNETES_VERSION-*"
if [ "$PREPARE_HOST" = true ]; then apt-mark hold kubelet kubeadm kubectl; fi
systemctl enable --now kubelet
`;

/**
 * A join command with a fresh bootstrap token (valid 24 hours), through the admin kubeconfig
 * (KUBECONFIG): leaves `$@` as kubeadm join ENDPOINT --token TOKEN --discovery-token-ca-cert-hash HASH.
 */
const NEW_JOIN_COMMAND = `token_errors=$(mktemp)
if ! join_command=$(kubeadm token create --print-join-command 2>"$token_errors"); then
  mask <"$token_errors" >&2
  rm -f "$token_errors"
  exit 1
fi
rm -f "$token_errors"
set -f
# Split into words on purpose: kubeadm join ENDPOINT --token TOKEN --discovery-token-ca-cert-hash HASH
set -- $join_command
set +f
if [ "$#" -lt 5 ] || [ "$1 $2 $4" != "kubeadm join --token" ]; then
  echo "kubeadm token create --print-join-command printed no join command" >&2
  exit 1
fi
`;

/**
 * The master: install, then `kubeadm init` (skipped when /etc/kubernetes/admin.conf exists: the
 * host is a control plane already), the pod network add-on (POD_NETWORK_MANIFEST, applied with
 * kubectl; kubectl apply converges), and a join command with a fresh token. Outputs: `endpoint`
 * (https://host:port of the API server), `join_command`, `join_token` (the token alone, so that
 * it is masked wherever it appears), `kubeconfig` (kubeadm's admin.conf) and `node_name`. With
 * PUBLIC_ADDRESS (a floating IP in front of the master), the API server's certificate also names
 * that address, and `endpoint` and the published kubeconfig point there, unless API_ACCESS is
 * `advertised` (the deploying machine reaches the advertised address: a VPN, a bastion's network).
 */
export const MASTER_SCRIPT = `${PRELUDE}${INSTALL}
export KUBECONFIG="$root/etc/kubernetes/admin.conf"
# PUBLIC_ADDRESS is used unless API_ACCESS says the kubeconfig keeps the advertised address.
public_address=
if [ "\${API_ACCESS:-public}" != advertised ]; then public_address=\${PUBLIC_ADDRESS:-}; fi
if [ -f "$KUBECONFIG" ]; then
  echo "kubeadm init skipped: this host is a control plane already ($KUBECONFIG exists)"
else
  set -- --kubernetes-version="v$KUBERNETES_VERSION" --pod-network-cidr="$POD_CIDR" --service-cidr="$SERVICE_CIDR" \\
    --apiserver-bind-port="$API_SERVER_PORT" --node-name="$node_name" --skip-token-print
  if [ -n "$ADVERTISE_ADDRESS" ]; then set -- "$@" --apiserver-advertise-address="$ADVERTISE_ADDRESS"; fi
  if [ -n "\${PUBLIC_ADDRESS:-}" ]; then set -- "$@" --apiserver-cert-extra-sans="$PUBLIC_ADDRESS"; fi
  masked kubeadm init "$@"
fi
if [ -n "$POD_NETWORK_MANIFEST" ]; then
  masked kubectl apply -f "$POD_NETWORK_MANIFEST"
fi
${NEW_JOIN_COMMAND}# With a public address (a floating IP), the API server is reached there from outside the network:
# the endpoint and the published kubeconfig name it (its certificate lists it, see above).
endpoint=$3
if [ -n "$public_address" ]; then endpoint="$public_address:$API_SERVER_PORT"; fi
echo ::hybrid-output::
printf 'endpoint=https://%s\\n' "$endpoint"
printf 'join_command=%s\\n' "$*"
printf 'join_token=%s\\n' "$5"
printf 'node_name=%s\\n' "$node_name"
echo 'kubeconfig<<HYBRID_KUBECONFIG_END'
# awk 1 ends every line with a newline, so the delimiter stands on a line of its own.
if [ -n "$public_address" ]; then
  awk -v server="https://$endpoint" '/^[[:space:]]*server:[[:space:]]/ { sub(/server:.*/, "server: " server) } 1' "$KUBECONFIG"
else
  awk 1 "$KUBECONFIG"
fi
echo HYBRID_KUBECONFIG_END
`;

/** A worker: install, and publish the node name its join and its drain use. */
export const WORKER_SCRIPT = `${PRELUDE}${INSTALL}
echo ::hybrid-output::
printf 'node_name=%s\\n' "$node_name"
`;

/**
 * On the master, right before a worker joins (its relationship's target preconfigure): a join
 * command with a fresh token, published over the master's `join_command` and `join_token`, so a
 * worker added after the install's token expired (24 hours) still joins.
 */
export const TOKEN_SCRIPT = `${PRELUDE}
export KUBECONFIG="$root/etc/kubernetes/admin.conf"
${NEW_JOIN_COMMAND}echo ::hybrid-output::
printf 'join_command=%s\\n' "$*"
printf 'join_token=%s\\n' "$5"
`;

/**
 * A worker joins with the master's JOIN_COMMAND as NODE_NAME. A host whose
 * /etc/kubernetes/kubelet.conf exists joined already (kubeadm's preflight would refuse a second
 * join): the script says so and succeeds, so a join interrupted after it finished is not repeated.
 */
export const JOIN_SCRIPT = `${PRELUDE}
kubelet_conf="$root/etc/kubernetes/kubelet.conf"
if [ -f "$kubelet_conf" ]; then
  echo "kubeadm join skipped: this host joined a cluster already ($kubelet_conf exists)"
  exit 0
fi
set -f
# Split into words on purpose (the master's script made it: kubeadm join ENDPOINT --token ...).
set -- $JOIN_COMMAND
set +f
if [ "$#" -lt 3 ] || [ "$1 $2" != "kubeadm join" ]; then
  echo "the master published no kubeadm join command" >&2
  exit 1
fi
shift 2
masked kubeadm join "$@" --node-name="$NODE_NAME"
`;

/**
 * On the master: waits until each of NODE_NAMES registered, then (with WAIT_FOR_READY=true, when
 * a pod network was installed) until each is Ready, within NODES_READY_TIMEOUT seconds.
 */
export const NODES_READY_SCRIPT = `${PRELUDE}
export KUBECONFIG="$root/etc/kubernetes/admin.conf"
deadline=$(( $(date +%s) + NODES_READY_TIMEOUT ))
for name in $NODE_NAMES; do
  until kubectl get node "$name" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "node $name did not register within $NODES_READY_TIMEOUT s" >&2
      exit 1
    fi
    sleep 5
  done
done
echo "registered: $NODE_NAMES"
if [ "$WAIT_FOR_READY" = true ]; then
  remaining=$(( deadline - $(date +%s) ))
  if [ "$remaining" -lt 1 ]; then remaining=1; fi
  set --
  for name in $NODE_NAMES; do set -- "$@" "node/$name"; done
  kubectl wait --for=condition=Ready "$@" --timeout="\${remaining}s"
fi
`;

/**
 * On the master, when a worker goes: drains NODE_NAME (evicting its pods, DaemonSets excepted,
 * within DRAIN_TIMEOUT seconds) and deletes its Node object. Nothing to do when the node is not
 * in the cluster, or when the control plane is gone already.
 */
export const DRAIN_SCRIPT = `${PRELUDE}
export KUBECONFIG="$root/etc/kubernetes/admin.conf"
if [ -z "$NODE_NAME" ]; then
  echo "no node name was recorded for this worker: nothing to drain"
  exit 0
fi
if [ ! -f "$KUBECONFIG" ]; then
  echo "node $NODE_NAME not drained: this host is no control plane any more ($KUBECONFIG does not exist)"
  exit 0
fi
if ! kubectl get node "$NODE_NAME" >/dev/null 2>&1; then
  echo "node $NODE_NAME is not in the cluster: nothing to drain"
  exit 0
fi
kubectl drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --force --timeout="\${DRAIN_TIMEOUT}s"
kubectl delete node "$NODE_NAME" --ignore-not-found
`;

/**
 * On every host when the cluster goes: `kubeadm reset -f` (kubelet stopped, /etc/kubernetes and
 * the node's state removed), then the pod network's configuration, which reset leaves behind.
 * The packages stay installed.
 */
export const RESET_SCRIPT = `${PRELUDE}
if ! command -v kubeadm >/dev/null 2>&1; then
  echo "kubeadm is not installed: nothing to reset"
  exit 0
fi
masked kubeadm reset -f
rm -rf "$root/etc/cni/net.d"
`;
