/**
 * The node templates of a kubeadm install, shared by `K8sCluster.onHosts` (existing machines) and
 * `K8sCluster.onOpenStack` (VMs it creates): the master's install, a worker's install with its
 * join relationship to the master, and the wait for nodes to be Ready. Not part of the public API.
 */
import { Construct } from 'constructs';
import { ErrorCode, HybridError } from '../../lib/core/errors';
import { SourceLocation } from '../../lib/core/location';
import { Fn, Ref, describeValue } from '../../lib/core/refs';
import { Fail, checkWhole, ipv4Range } from '../../lib/core/validate';
import { Host } from '../hosts/host';
import { RemoteOperation } from '../hosts/operation';
import { RemoteScript } from '../hosts/script';
import type { K8sInstallProps } from './on-hosts';
import { DRAIN_SCRIPT, JOIN_SCRIPT, MASTER_SCRIPT, NODES_READY_SCRIPT, RESET_SCRIPT, TOKEN_SCRIPT, WORKER_SCRIPT } from './on-hosts-scripts';

/** Calico's manifest: it takes the pod CIDR from kubeadm's configuration. */
const DEFAULT_POD_NETWORK_MANIFEST = 'https://raw.githubusercontent.com/projectcalico/calico/v3.28.1/manifests/calico.yaml';
/** pkgs.k8s.io, where the install takes kubeadm, kubelet and kubectl from, starts at 1.24. */
const OLDEST_MINOR = 24;
/** The container runtimes the install knows (K8sContainerRuntime's values). */
const CONTAINER_RUNTIMES = ['containerd', 'preinstalled'];

/** Builds errors that name the cluster's construct path and the program line that made it. */
export function failFor(scope: Construct, id: string, location = SourceLocation.capture()): Fail {
  const where = `${scope.node.path ? `${scope.node.path}/` : ''}${id}`;
  return (message: string) => {
    const at = location.toString();
    return new HybridError(ErrorCode.InvalidProps, `${where}: ${message}${at ? ` (at ${at})` : ''}`, { path: where, location: at });
  };
}

/** The install settings once checked, with their defaults. */
export interface InstallSettings {
  readonly version: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly containerRuntime: string;
  readonly apiServerPort: number;
  readonly podNetworkManifest: string;
  readonly prepareHosts: string | Ref;
  readonly hostRoot: string | Ref;
  readonly installTimeout: number;
  readonly nodesReadyTimeout: number;
  readonly drainTimeout: number;
}

/** Checks the props every kubeadm install shares; errors name the cluster and the value. */
export function checkInstallProps(fail: Fail, props: K8sInstallProps): InstallSettings {
  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(typeof props.version === 'string' ? props.version : '');
  if (!version) throw fail(`version must be a Kubernetes release as major.minor.patch, such as '1.30.3', got ${describeValue(props.version)}`);
  if (Number(version[1]) !== 1 || Number(version[2]) < OLDEST_MINOR) {
    throw fail(`version must be 1.${OLDEST_MINOR}.0 or later (pkgs.k8s.io has no packages before), got ${describeValue(props.version)}`);
  }
  const podCidr = checkCidr(fail, 'podCidr', props.podCidr);
  const serviceCidr = checkCidr(fail, 'serviceCidr', props.serviceCidr ?? '10.96.0.0/12');
  if (overlaps(podCidr, serviceCidr)) throw fail(`podCidr ${podCidr} and serviceCidr ${serviceCidr} overlap; give them separate ranges`);
  if (props.containerRuntime !== undefined && !CONTAINER_RUNTIMES.includes(props.containerRuntime)) {
    throw fail(`containerRuntime must be one of ${CONTAINER_RUNTIMES.join(', ')}, got ${describeValue(props.containerRuntime)}`);
  }
  if (props.podNetworkManifest !== undefined && (typeof props.podNetworkManifest !== 'string' || /[\s]/.test(props.podNetworkManifest))) {
    throw fail(`podNetworkManifest must be a URL or a path on the master (or '' for none), got ${describeValue(props.podNetworkManifest)}`);
  }
  if (props.prepareHosts !== undefined && typeof props.prepareHosts !== 'boolean' && !Ref.isRef(props.prepareHosts)) throw fail(`prepareHosts must be true or false, got ${describeValue(props.prepareHosts)}`);
  if (props.hostRoot !== undefined && !Ref.isRef(props.hostRoot) && (typeof props.hostRoot !== 'string' || props.hostRoot.trim() === '')) {
    throw fail(`hostRoot must be a directory path, got ${describeValue(props.hostRoot)}`);
  }
  checkWhole(fail, 'apiServerPort', props.apiServerPort, 1, 65535, { refs: false });
  checkWhole(fail, 'installTimeout', props.installTimeout, 1, 86400, { refs: false });
  checkWhole(fail, 'nodesReadyTimeout', props.nodesReadyTimeout, 1, 86400, { refs: false });
  checkWhole(fail, 'drainTimeout', props.drainTimeout, 1, 86400, { refs: false });
  return {
    version: props.version,
    podCidr,
    serviceCidr,
    containerRuntime: props.containerRuntime ?? 'containerd',
    apiServerPort: props.apiServerPort ?? 6443,
    podNetworkManifest: props.podNetworkManifest ?? DEFAULT_POD_NETWORK_MANIFEST,
    prepareHosts: Ref.isRef(props.prepareHosts) ? props.prepareHosts : String(props.prepareHosts ?? true),
    hostRoot: props.hostRoot ?? '/',
    installTimeout: props.installTimeout ?? 1800,
    nodesReadyTimeout: props.nodesReadyTimeout ?? 600,
    drainTimeout: props.drainTimeout ?? 300,
  };
}

function installEnv(settings: InstallSettings): { [name: string]: string | Ref } {
  return {
    KUBERNETES_VERSION: settings.version,
    CONTAINER_RUNTIME: settings.containerRuntime,
    PREPARE_HOST: settings.prepareHosts,
    HOST_ROOT: settings.hostRoot,
  };
}

/** Where the master's API server is advertised and, optionally, reached from outside its network. */
export interface MasterAddresses {
  /** `--apiserver-advertise-address`; '' leaves it to kubeadm. */
  readonly advertiseAddress?: string | Ref;
  /** An address in front of the master (a floating IP): in the certificate, the endpoint and the kubeconfig. */
  readonly publicAddress?: string | Ref;
  /** 'public' (the default) publishes publicAddress as the endpoint; 'advertised' keeps the advertised one. */
  readonly apiAccess?: string | Ref;
}

/** The control plane's install (`kubeadm init`) on `host`; outputs endpoint, join_command, join_token, kubeconfig, node_name. */
export function installMaster(scope: Construct, id: string, host: Host, settings: InstallSettings, addresses: MasterAddresses = {}): RemoteScript {
  return new RemoteScript(scope, id, {
    host,
    create: MASTER_SCRIPT,
    delete: RESET_SCRIPT,
    env: {
      ...installEnv(settings),
      POD_CIDR: settings.podCidr,
      SERVICE_CIDR: settings.serviceCidr,
      API_SERVER_PORT: String(settings.apiServerPort),
      ADVERTISE_ADDRESS: addresses.advertiseAddress ?? '',
      POD_NETWORK_MANIFEST: settings.podNetworkManifest,
      ...(addresses.publicAddress !== undefined ? { PUBLIC_ADDRESS: addresses.publicAddress } : {}),
      ...(addresses.apiAccess !== undefined ? { API_ACCESS: addresses.apiAccess } : {}),
    },
    sudo: true,
    secretOutputs: ['join_command', 'join_token', 'kubeconfig'],
    timeout: settings.installTimeout,
  });
}

/**
 * A worker's install on `host`, and its relationship to the master: once installed it joins with
 * the master's join command (on the worker), and, with `waitReady`, the master waits until its
 * node is Ready; when the worker goes, the master drains it and deletes its node first. The
 * master makes a new join command right before each worker joins, so a worker added or healed
 * days after the install (whose token lasts 24 hours) still joins.
 */
export function installWorker(scope: Construct, id: string, host: Host, master: RemoteScript, settings: InstallSettings, options: { waitReady?: boolean } = {}): RemoteScript {
  const worker = new RemoteScript(scope, id, {
    host,
    create: WORKER_SCRIPT,
    delete: RESET_SCRIPT,
    env: installEnv(settings),
    sudo: true,
    timeout: settings.installTimeout,
  });
  worker.connectTo(master, {
    // On the worker, once it is installed: join with the master's published join command.
    source: {
      establish: RemoteOperation.script(JOIN_SCRIPT, {
        env: { JOIN_COMMAND: Fn.targetAttribute('join_command'), NODE_NAME: Fn.sourceAttribute('node_name'), HOST_ROOT: settings.hostRoot },
        sudo: true,
        timeout: settings.installTimeout,
      }),
    },
    target: {
      // On the master, before the worker joins: a join command with a token of its own.
      preconfigure: RemoteOperation.script(TOKEN_SCRIPT, { env: { HOST_ROOT: settings.hostRoot }, sudo: true, secretOutputs: ['join_command', 'join_token'], timeout: 120 }),
      // On the master, once the worker joined: wait until its node registered and is Ready.
      ...(options.waitReady ? { establish: nodesReadyOperation(Fn.sourceAttribute('node_name'), settings) } : {}),
      // On the master, when the worker goes: drain it and delete its node.
      unlink: RemoteOperation.script(DRAIN_SCRIPT, {
        env: { NODE_NAME: Fn.sourceAttribute('node_name'), HOST_ROOT: settings.hostRoot, DRAIN_TIMEOUT: String(settings.drainTimeout) },
        sudo: true,
        timeout: settings.drainTimeout + 60,
      }),
    },
  });
  return worker;
}

function nodesReadyEnv(nodeNames: string | Ref, settings: InstallSettings): { [name: string]: string | Ref } {
  return {
    NODE_NAMES: nodeNames,
    WAIT_FOR_READY: String(settings.podNetworkManifest !== ''),
    NODES_READY_TIMEOUT: String(settings.nodesReadyTimeout),
    HOST_ROOT: settings.hostRoot,
  };
}

function nodesReadyOperation(nodeNames: string | Ref, settings: InstallSettings) {
  return RemoteOperation.script(NODES_READY_SCRIPT, { env: nodesReadyEnv(nodeNames, settings), sudo: true, timeout: settings.nodesReadyTimeout + 60 });
}

/** Waits, on the master, until the named nodes (space-separated) registered and are Ready. */
export function nodesReady(scope: Construct, id: string, master: Host, nodeNames: string | Ref, settings: InstallSettings): RemoteScript {
  return new RemoteScript(scope, id, {
    host: master,
    create: NODES_READY_SCRIPT,
    env: nodesReadyEnv(nodeNames, settings),
    sudo: true,
    timeout: settings.nodesReadyTimeout + 60,
  });
}

function checkCidr(fail: Fail, name: string, value: unknown): string {
  if (typeof value !== 'string' || !ipv4Range(value)) throw fail(`${name} must be an IPv4 range such as 10.244.0.0/16, got ${describeValue(value)}`);
  return value;
}

/** Whether two IPv4 ranges share an address. */
function overlaps(a: string, b: string): boolean {
  const [aFirst, aLast] = ipv4Range(a)!;
  const [bFirst, bLast] = ipv4Range(b)!;
  return aFirst <= bLast && bFirst <= aLast;
}
