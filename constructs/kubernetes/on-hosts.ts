import { Construct } from 'constructs';
import { ErrorCode, HybridError } from '../../lib/core/errors';
import { SourceLocation } from '../../lib/core/location';
import { Fn, Ref, describeValue } from '../../lib/core/refs';
import { Host } from '../hosts/host';
import { RemoteOperation } from '../hosts/operation';
import { RemoteScript } from '../hosts/script';
import { K8sCluster } from './cluster';
import { DRAIN_SCRIPT, JOIN_SCRIPT, MASTER_SCRIPT, NODES_READY_SCRIPT, RESET_SCRIPT, WORKER_SCRIPT } from './on-hosts-scripts';

/** Calico's manifest: it takes the pod CIDR from kubeadm's configuration. */
const DEFAULT_POD_NETWORK_MANIFEST = 'https://raw.githubusercontent.com/projectcalico/calico/v3.28.1/manifests/calico.yaml';
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
/** pkgs.k8s.io, where the install takes kubeadm, kubelet and kubectl from, starts at 1.24. */
const OLDEST_MINOR = 24;

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

/** Props of `K8sCluster.onHosts`. */
export interface K8sClusterOnHostsProps {
  /**
   * The host that becomes the control plane (`kubeadm init`). Its login user must be root or
   * may use sudo (the Host's `sudo` prop says how).
   */
  readonly master: Host;
  /** The hosts that join as worker nodes (`kubeadm join`); at least one, none of them the master. */
  readonly workers: Host[];
  /** The Kubernetes version, as `1.30.3`: the packages installed and the control plane's version. */
  readonly version: string;
  /** The pods' IPv4 range (`kubeadm init --pod-network-cidr`), such as `10.244.0.0/16`. */
  readonly podCidr: string;
  /** The Services' IPv4 range (`--service-cidr`); it must not overlap podCidr. @default '10.96.0.0/12' */
  readonly serviceCidr?: string;
  /** The container runtime. @default K8sContainerRuntime.CONTAINERD */
  readonly containerRuntime?: K8sContainerRuntime;
  /**
   * The master's IP address the API server advertises (`--apiserver-advertise-address`); workers
   * join at it. @default - kubeadm's choice: the address of the master's default-route interface
   */
  readonly advertiseAddress?: string | Ref;
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
 * Not done (yet): upgrades (a node that runs another version than `version` is refused, since new
 * packages under it would skip `kubeadm upgrade`), highly available control planes, and fresh
 * join tokens for workers added after the token of the master's install expired (24 hours).
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
  const settings = checkProps(scope, id, props);
  const hostRoot = props.hostRoot ?? '/';
  const installEnv = {
    KUBERNETES_VERSION: settings.version,
    CONTAINER_RUNTIME: props.containerRuntime ?? K8sContainerRuntime.CONTAINERD,
    PREPARE_HOST: Ref.isRef(props.prepareHosts) ? props.prepareHosts : String(props.prepareHosts ?? true),
    HOST_ROOT: hostRoot,
  };
  const installTimeout = props.installTimeout ?? 1800;
  const podNetworkManifest = props.podNetworkManifest ?? DEFAULT_POD_NETWORK_MANIFEST;

  const master = new RemoteScript(scope, `${id}Master`, {
    host: props.master,
    create: MASTER_SCRIPT,
    delete: RESET_SCRIPT,
    env: {
      ...installEnv,
      POD_CIDR: settings.podCidr,
      SERVICE_CIDR: settings.serviceCidr,
      API_SERVER_PORT: String(props.apiServerPort ?? 6443),
      ADVERTISE_ADDRESS: props.advertiseAddress ?? '',
      POD_NETWORK_MANIFEST: podNetworkManifest,
    },
    sudo: true,
    secretOutputs: ['join_command', 'join_token', 'kubeconfig'],
    timeout: installTimeout,
  });

  const drainTimeout = props.drainTimeout ?? 300;
  const workers = props.workers.map((host, index) => {
    const worker = new RemoteScript(scope, `${id}Worker${index + 1}`, {
      host,
      create: WORKER_SCRIPT,
      delete: RESET_SCRIPT,
      env: { ...installEnv },
      sudo: true,
      timeout: installTimeout,
    });
    worker.connectTo(master, {
      // On the worker, once it is installed: join with the master's published join command.
      source: {
        establish: RemoteOperation.script(JOIN_SCRIPT, {
          env: { JOIN_COMMAND: Fn.targetAttribute('join_command'), NODE_NAME: Fn.sourceAttribute('node_name'), HOST_ROOT: hostRoot },
          sudo: true,
          timeout: installTimeout,
        }),
      },
      // On the master, when the worker goes: drain it and delete its node.
      target: {
        unlink: RemoteOperation.script(DRAIN_SCRIPT, {
          env: { NODE_NAME: Fn.sourceAttribute('node_name'), HOST_ROOT: hostRoot, DRAIN_TIMEOUT: String(drainTimeout) },
          sudo: true,
          timeout: drainTimeout + 60,
        }),
      },
    });
    return worker;
  });

  const nodesReadyTimeout = props.nodesReadyTimeout ?? 600;
  const nodeNames: Array<string | Ref> = [master.output('node_name')];
  for (const worker of workers) nodeNames.push(' ', worker.output('node_name'));
  const nodesReady = new RemoteScript(scope, `${id}NodesReady`, {
    host: props.master,
    create: NODES_READY_SCRIPT,
    env: {
      NODE_NAMES: Fn.concat(...nodeNames),
      WAIT_FOR_READY: String(podNetworkManifest !== ''),
      NODES_READY_TIMEOUT: String(nodesReadyTimeout),
      HOST_ROOT: hostRoot,
    },
    sudo: true,
    timeout: nodesReadyTimeout + 60,
  });
  for (const worker of workers) nodesReady.dependsOn(worker);
  return { master, workers, nodesReady };
}

interface CheckedSettings {
  readonly version: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
}

/** Checks the props before anything is made; errors name the cluster's construct path. */
function checkProps(scope: Construct, id: string, props: K8sClusterOnHostsProps): CheckedSettings {
  const where = `${scope.node.path ? `${scope.node.path}/` : ''}${id}`;
  const location = SourceLocation.capture();
  const fail = (message: string) => {
    const at = location.toString();
    return new HybridError(ErrorCode.InvalidProps, `${where}: ${message}${at ? ` (at ${at})` : ''}`, { path: where, location: at });
  };
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

  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(typeof props.version === 'string' ? props.version : '');
  if (!version) throw fail(`version must be a Kubernetes release as major.minor.patch, such as '1.30.3', got ${describeValue(props.version)}`);
  if (Number(version[1]) !== 1 || Number(version[2]) < OLDEST_MINOR) {
    throw fail(`version must be 1.${OLDEST_MINOR}.0 or later (pkgs.k8s.io has no packages before), got ${describeValue(props.version)}`);
  }
  const podCidr = checkCidr(fail, 'podCidr', props.podCidr);
  const serviceCidr = checkCidr(fail, 'serviceCidr', props.serviceCidr ?? '10.96.0.0/12');
  if (overlaps(podCidr, serviceCidr)) throw fail(`podCidr ${podCidr} and serviceCidr ${serviceCidr} overlap; give them separate ranges`);

  if (props.containerRuntime !== undefined && !Object.values(K8sContainerRuntime).includes(props.containerRuntime)) {
    throw fail(`containerRuntime must be one of ${Object.values(K8sContainerRuntime).join(', ')}, got ${describeValue(props.containerRuntime)}`);
  }
  if (props.advertiseAddress !== undefined && !Ref.isRef(props.advertiseAddress) && (typeof props.advertiseAddress !== 'string' || !/^[0-9A-Fa-f.:]+$/.test(props.advertiseAddress))) {
    throw fail(`advertiseAddress must be an IP address of the master, got ${describeValue(props.advertiseAddress)}`);
  }
  if (props.podNetworkManifest !== undefined && (typeof props.podNetworkManifest !== 'string' || /[\s]/.test(props.podNetworkManifest))) {
    throw fail(`podNetworkManifest must be a URL or a path on the master (or '' for none), got ${describeValue(props.podNetworkManifest)}`);
  }
  if (props.prepareHosts !== undefined && typeof props.prepareHosts !== 'boolean' && !Ref.isRef(props.prepareHosts)) throw fail(`prepareHosts must be true or false, got ${describeValue(props.prepareHosts)}`);
  if (props.hostRoot !== undefined && !Ref.isRef(props.hostRoot) && (typeof props.hostRoot !== 'string' || props.hostRoot.trim() === '')) {
    throw fail(`hostRoot must be a directory path, got ${describeValue(props.hostRoot)}`);
  }
  checkWhole(fail, 'apiServerPort', props.apiServerPort, 1, 65535);
  checkWhole(fail, 'installTimeout', props.installTimeout, 1, 86400);
  checkWhole(fail, 'nodesReadyTimeout', props.nodesReadyTimeout, 1, 86400);
  checkWhole(fail, 'drainTimeout', props.drainTimeout, 1, 86400);
  return { version: props.version, podCidr, serviceCidr };
}

function checkCidr(fail: (message: string) => Error, name: string, value: unknown): string {
  if (typeof value !== 'string' || !IPV4_CIDR.test(value)) throw fail(`${name} must be an IPv4 range such as 10.244.0.0/16, got ${describeValue(value)}`);
  return value;
}

function checkWhole(fail: (message: string) => Error, name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw fail(`${name} must be a whole number from ${min} to ${max}, got ${describeValue(value)}`);
}

/** Whether two IPv4 ranges share an address. */
function overlaps(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [address, bits] = cidr.split('/');
    const start = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    const first = start - (start % size);
    return [first, first + size - 1];
  };
  const [aFirst, aLast] = range(a);
  const [bFirst, bLast] = range(b);
  return aFirst <= bLast && bFirst <= aLast;
}
