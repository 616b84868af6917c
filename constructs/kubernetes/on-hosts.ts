import { Construct } from 'constructs';
import { Fn, Ref, describeValue } from '../../lib/core/refs';
import { Host } from '../hosts/host';
import { RemoteScript } from '../hosts/script';
import { K8sCluster } from './cluster';
import { checkInstallProps, failFor, installMaster, installWorker, nodesReady } from './kubeadm-install';

/** The container runtime `K8sCluster.onHosts` sets up on every host. */
export enum K8sContainerRuntime {
  /**
   * containerd from the distribution's packages, configured for the systemd cgroup driver (the
   * one kubeadm configures the kubelet for).
   */
  CONTAINERD = 'containerd',
  /** A CRI runtime the hosts run already (containerd, CRI-O): hybrid installs none and leaves its configuration alone. */
  PREINSTALLED = 'preinstalled',
}

/** What every kubeadm install of hybrid takes: the version, the address ranges, the add-ons and the timeouts. */
export interface K8sInstallProps {
  /** The Kubernetes version, as `1.30.3`: the packages installed and the control plane's version. */
  readonly version: string;
  /** The pods' IPv4 range (`kubeadm init --pod-network-cidr`), such as `10.244.0.0/16`. */
  readonly podCidr: string;
  /** The Services' IPv4 range (`--service-cidr`); it must not overlap podCidr. @default '10.96.0.0/12' */
  readonly serviceCidr?: string;
  /** The container runtime. @default K8sContainerRuntime.CONTAINERD */
  readonly containerRuntime?: K8sContainerRuntime;
  /** The API server's port. @default 6443 */
  readonly apiServerPort?: number;
  /**
   * The pod network add-on, applied with `kubectl apply -f` on the master after `kubeadm init`: a
   * URL or a file on the master. It must use podCidr. Nodes become Ready only once a pod network
   * runs; with '' none is installed and hybrid waits only until the nodes registered.
   * @default - Calico 3.28.1's manifest (Calico reads the pod CIDR from kubeadm's configuration)
   */
  readonly podNetworkManifest?: string;
  /**
   * Prepare each host's operating system as kubeadm's guide asks: swap off, the overlay and
   * br_netfilter modules, the bridge and forwarding sysctls, the pkgs.k8s.io apt repository of the
   * version, and the packages held (`apt-mark hold`). With false the hosts must come prepared
   * (an image, configuration management): hybrid then installs the runtime and the packages from
   * the apt sources the hosts have. A Ref (a boolean input) works too.
   * @default true
   */
  readonly prepareHosts?: boolean | Ref;
  /**
   * The directory the scripts take as the hosts' `/` when they write configuration and look for
   * kubeadm's files (`<hostRoot>/etc/kubernetes/kubelet.conf`): absolute, or relative to the login
   * directory. Only hosts whose files live under a directory need it, such as hybrid's SSH test
   * hosts ('.').
   * @default '/'
   */
  readonly hostRoot?: string | Ref;
  /** Seconds each host's install (packages, `kubeadm init`, its image pulls) may take. @default 1800 */
  readonly installTimeout?: number;
  /** Seconds the nodes have to register and become Ready before objects are deployed to the cluster. @default 600 */
  readonly nodesReadyTimeout?: number;
  /** Seconds a worker's drain may take when it leaves the cluster. @default 300 */
  readonly drainTimeout?: number;
}

/** Props of `K8sCluster.onHosts`. */
export interface K8sClusterOnHostsProps extends K8sInstallProps {
  /**
   * The host that becomes the control plane (`kubeadm init`). Its login user must be root or
   * may use sudo (the Host's `sudo` prop says how).
   */
  readonly master: Host;
  /** The hosts that join as worker nodes (`kubeadm join`); at least one, none of them the master. */
  readonly workers: Host[];
  /**
   * The master's IP address the API server advertises (`--apiserver-advertise-address`); workers
   * join at it. @default - kubeadm's choice: the address of the master's default-route interface
   */
  readonly advertiseAddress?: string | Ref;
}

/**
 * A Kubernetes cluster that hybrid installs with kubeadm on existing machines reached over SSH
 * (`Host`): Cloudify's Fabric pattern. Make it with `K8sCluster.onHosts`.
 *
 * Deploy installs the container runtime and kubelet, kubeadm and kubectl on every host, runs
 * `kubeadm init` on the master, which publishes the API `endpoint`, a `join_command` and the admin
 * `kubeconfig` (the last two secret), and joins each worker through its relationship to the master: the
 * relationship's establish runs `kubeadm join` on the worker with the master's join command
 * (skipped on a host that joined already, so a deploy interrupted after a join does not join
 * again). Objects on this cluster are deployed once every node is Ready, through the admin
 * kubeconfig, so one deploy builds the cluster and the apps on it. Destroy drains and deletes each
 * worker's node through the master, then runs `kubeadm reset -f` on every host (the packages stay).
 * The scripts are in on-hosts-scripts.ts.
 *
 * Each join gets a join command the master makes right before it (the relationship's target
 * preconfigure), so a worker healed or re-joined after the install's token expired (24 hours)
 * still joins.
 *
 * Not done (yet): upgrades (a node that runs another version than `version` is refused, since new
 * packages under it would skip `kubeadm upgrade`) and highly available control planes.
 */
export class K8sClusterOnHosts extends K8sCluster {
  /** The control plane's install on the master host; its outputs are endpoint, join_command, kubeconfig and node_name. */
  public readonly master: RemoteScript;
  /** Each worker's install, in the order of `workers`; each joins the master through a relationship. */
  public readonly workers: RemoteScript[];
  /** Waits, on the master, until every node is Ready: the node objects on this cluster are deployed after. */
  public readonly nodesReady: RemoteScript;

  constructor(scope: Construct, id: string, props: K8sClusterOnHostsProps) {
    const nodes = installNodes(scope, id, props);
    super(scope, id, { kubeconfig: nodes.master.output('kubeconfig'), dependsOn: nodes.nodesReady });
    this.master = nodes.master;
    this.workers = nodes.workers;
    this.nodesReady = nodes.nodesReady;
  }

  /** The API server's URL, `https://<address>:<port>`. */
  public get endpoint(): Ref {
    return this.master.output('endpoint');
  }

  /** The admin kubeconfig kubeadm wrote (secret). */
  public get kubeconfig(): Ref {
    return this.master.output('kubeconfig');
  }

  /** A `kubeadm join` command for more nodes, with a token valid for 24 hours after the master's install (secret). */
  public get joinCommand(): Ref {
    return this.master.output('join_command');
  }
}

interface ClusterNodes {
  readonly master: RemoteScript;
  readonly workers: RemoteScript[];
  readonly nodesReady: RemoteScript;
}

/**
 * The node templates of the cluster, made beside it (`<id>Master`, `<id>Worker1`, ...,
 * `<id>NodesReady`) before the K8sCluster itself, which needs the master's kubeconfig.
 */
function installNodes(scope: Construct, id: string, props: K8sClusterOnHostsProps): ClusterNodes {
  const fail = failFor(scope, id);
  if (typeof props !== 'object' || props === null) throw fail(`K8sCluster.onHosts needs props { master, workers, version, podCidr }, got ${describeValue(props)}`);
  if (!Host.isHost(props.master)) throw fail(`master must be a Host, got ${describeValue(props.master)}`);
  if (!Array.isArray(props.workers) || props.workers.length === 0) {
    throw fail(`workers must list at least one Host (kubeadm keeps pods off the master), got ${describeValue(props.workers)}`);
  }
  props.workers.forEach((worker, index) => {
    if (!Host.isHost(worker)) throw fail(`workers[${index}] must be a Host, got ${describeValue(worker)}`);
    if (worker === props.master) throw fail(`workers[${index}] is the master (${worker.node.path}); a host is either the master or a worker`);
    if (props.workers.indexOf(worker) !== index) throw fail(`workers[${index}] (${worker.node.path}) is listed twice`);
  });
  const settings = checkInstallProps(fail, props);
  if (props.advertiseAddress !== undefined && !Ref.isRef(props.advertiseAddress) && (typeof props.advertiseAddress !== 'string' || !/^[0-9A-Fa-f.:]+$/.test(props.advertiseAddress))) {
    throw fail(`advertiseAddress must be an IP address of the master, got ${describeValue(props.advertiseAddress)}`);
  }

  const master = installMaster(scope, `${id}Master`, props.master, settings, { advertiseAddress: props.advertiseAddress });
  // Each join gets a token the master makes right before it: a worker healed or re-joined days
  // after the install (the install's token lasts 24 hours) still joins.
  const workers = props.workers.map((host, index) => installWorker(scope, `${id}Worker${index + 1}`, host, master, settings));
  const nodeNames: Array<string | Ref> = [master.output('node_name')];
  for (const worker of workers) nodeNames.push(' ', worker.output('node_name'));
  const ready = nodesReady(scope, `${id}NodesReady`, props.master, Fn.concat(...nodeNames), settings);
  for (const worker of workers) ready.dependsOn(worker);
  return { master, workers, nodesReady: ready };
}
