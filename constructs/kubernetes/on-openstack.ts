import { Construct } from 'constructs';
import { Ref, describeValue } from '../../lib/core/refs';
import { ScalingGroup } from '../../lib/core/scaling';
import { Fail, checkCidr, checkPort, checkWhole } from '../../lib/core/validate';
import { Host, HostAuth, HostKey } from '../hosts/host';
import { RemoteScript } from '../hosts/script';
import { OpenStackConnectionProps, connectionOn } from '../openstack/connection';
import { OpenStackKeyPair } from '../openstack/keypair';
import { IOpenStackNetwork, OpenStackNetwork } from '../openstack/network';
import { OpenStackSecurityGroup } from '../openstack/security-group';
import { OpenStackServer } from '../openstack/server';
import { OpenStackServerGroup } from '../openstack/server-group';
import { K8sCluster } from './cluster';
import { InstallSettings, checkInstallProps, failFor, installMaster, installWorker, nodesReady } from './kubeadm-install';
import { K8sInstallProps } from './on-hosts';

/** How the deploying machine reaches the API server of a cluster on OpenStack. */
export enum K8sApiAccess {
  /**
   * At the master's floating IP: the API server's certificate names it, and the endpoint and the
   * kubeconfig point there.
   */
  PUBLIC = 'public',
  /**
   * At the address the master advertises on its network (kubeadm's kubeconfig as it is): for a
   * deploying machine inside the network, or joined to it by a VPN.
   */
  ADVERTISED = 'advertised',
}

/** Kubernetes' default NodePort range (the API server's --service-node-port-range). */
const NODE_PORTS = { from: 30000, to: 32767 };

/** The workers of a cluster on OpenStack: one scaling unit each. */
export interface K8sWorkersProps {
  /** Workers made on deploy. Change it and deploy: the plan adds or removes whole units. */
  readonly count: number;
  /** The fewest workers `hybrid scale` allows. @default 1 */
  readonly min?: number;
  /** The most workers `hybrid scale` allows; -1 is unbounded. @default -1 */
  readonly max?: number;
  /** The workers' flavor, by name or id. @default - the cluster's flavor */
  readonly flavor?: string | Ref;
  /** A volume of this many GiB for each worker, attached to it (for local persistent volumes, container images). @default - none */
  readonly volumeGb?: number;
  /**
   * The server group the worker VMs are made in, such as one with the SOFT_ANTI_AFFINITY policy
   * that spreads them over compute hosts, so that one host's failure takes out one worker.
   * @default - none: Nova's scheduler places each worker on its own terms
   */
  readonly serverGroup?: OpenStackServerGroup;
}

/** Props of `K8sCluster.onOpenStack`. */
export interface K8sClusterOnOpenStackProps extends K8sInstallProps, OpenStackConnectionProps {
  /** The network the VMs are on; floating IPs come from its external network. */
  readonly network: IOpenStackNetwork;
  /** The VMs' image (name or id): a Debian or Ubuntu with cloud-init, sshd and sudo. */
  readonly image: string | Ref;
  /** The VMs' flavor (name or id). */
  readonly flavor: string | Ref;
  /** The master's flavor. @default - flavor */
  readonly masterFlavor?: string | Ref;
  /**
   * The master's floating IP: one the project holds already, reserved for the API server (in DNS,
   * in firewalls). It is associated with the master and kept on destroy.
   * @default - a new floating IP, any free address
   */
  readonly masterFloatingIp?: string;
  /** How many workers, within which bounds. */
  readonly workers: K8sWorkersProps;
  /**
   * The key pair the VMs are made with. Without sshAuth it must be one hybrid generates (no
   * publicKey given), since hybrid logs in with its private key.
   * @default - a key pair generated for the cluster
   */
  readonly keyPair?: OpenStackKeyPair;
  /** How hybrid logs in to the VMs. @default - the generated key pair's private key */
  readonly sshAuth?: HostAuth;
  /** The image's login user (it must be root or may use sudo without a password). @default 'ubuntu' */
  readonly sshUser?: string | Ref;
  /** The port the VMs' sshd listens on. @default 22 */
  readonly sshPort?: number | Ref;
  /**
   * How hybrid verifies each VM's host key. A VM's key is new with the VM, so the default records
   * the key each VM shows at its first login and requires it afterwards.
   * @default HostKey.trustOnFirstUse()
   */
  readonly hostKey?: HostKey;
  /**
   * A jump host to reach the VMs at their private addresses. Without it, hybrid reaches each VM
   * at its floating IP.
   * @default - every VM gets a floating IP, and hybrid connects there
   */
  readonly bastion?: Host;
  /**
   * How the deploying machine reaches the API server (for the objects on this cluster, and the
   * published kubeconfig). A Ref (a string input) works too.
   * @default K8sApiAccess.PUBLIC without a bastion, K8sApiAccess.ADVERTISED with one
   */
  readonly apiAccess?: K8sApiAccess | Ref;
  /**
   * Where the API server's port may be reached from (a CIDR), besides the cluster's own VMs; ''
   * opens it to the cluster only.
   * @default '0.0.0.0/0'
   */
  readonly apiAllowedFrom?: string;
  /**
   * Where the NodePort Services (TCP 30000-32767 on every VM) may be reached from (a CIDR),
   * besides the network's own security group: '0.0.0.0/0' for a public app on a NODE_PORT Service.
   * The cluster's `nodeAddress` (what NodePort Services report) is the master's floating IP.
   * @default - none: NodePorts are reachable only as the VMs' other security groups allow
   */
  readonly nodePortsAllowedFrom?: string;
  /** Security groups of every VM. @default - the network's default security group, if it has one */
  readonly securityGroups?: OpenStackSecurityGroup[];
  /** User data (cloud-init) for every VM. @default - none */
  readonly userData?: string | Ref;
  /** Seconds a VM has to accept SSH logins once Nova reports it ACTIVE (its boot and cloud-init). @default 600 */
  readonly bootTimeout?: number;
}

/** What a worker unit is made of. */
export interface K8sOpenStackWorker {
  /** The worker's VM: port, server, floating IP and volume. */
  readonly server: OpenStackServer;
  /** The SSH connection to the VM. */
  readonly host: Host;
  /** The worker's install; its relationship to the master joins it and waits until its node is Ready. */
  readonly install: RemoteScript;
}

/**
 * A Kubernetes cluster that hybrid builds on OpenStack VMs and installs with kubeadm over SSH, in
 * one deploy with the network and the objects on it. Make it with `K8sCluster.onOpenStack`.
 *
 * The master is a VM with a floating IP (`<id>Master...`); the workers are one VM template
 * (`<id>Worker...`) in a scaling group: each worker unit is a port, a server, a floating IP (unless
 * a bastion is used), an optional volume, its SSH host and its Kubernetes install, scaled together.
 * Kubernetes is installed exactly as `K8sCluster.onHosts` does it: `kubeadm init` on the master,
 * and on each worker its install and `kubeadm join`; the master then waits until the worker's node
 * is Ready. Objects on the cluster deploy once the master's node is Ready, through the kubeconfig
 * the master published, so their pods schedule as workers join. A worker removed (scale in,
 * `workers.count` lowered) is drained and its node deleted before its VM goes.
 */
export class K8sClusterOnOpenStack extends K8sCluster {
  /** The master's VM. */
  public readonly masterServer: OpenStackServer;
  /** The SSH connection to the master. */
  public readonly masterHost: Host;
  /** The control plane's install; its outputs are endpoint, join_command, kubeconfig and node_name. */
  public readonly master: RemoteScript;
  /** Waits until the master's node is Ready: the objects on this cluster are deployed after. */
  public readonly masterReady: RemoteScript;
  /** The worker unit's templates (one instance of each per worker). */
  public readonly worker: K8sOpenStackWorker;
  /** The scaling group of the worker units. */
  public readonly workers: ScalingGroup;
  /** The key pair of the VMs. */
  public readonly keyPair: OpenStackKeyPair;
  /** The security group opening the API server's port (and the NodePorts, with nodePortsAllowedFrom). */
  public readonly apiSecurityGroup: OpenStackSecurityGroup;

  constructor(scope: Construct, id: string, props: K8sClusterOnOpenStackProps) {
    const nodes = buildCluster(scope, id, props);
    super(scope, id, {
      kubeconfig: nodes.master.output('kubeconfig'),
      dependsOn: nodes.masterReady,
      // NodePorts answer on every node, the master included: its floating IP reaches them all.
      ...(nodes.masterServer.floatingIpNode ? { nodeAddress: nodes.masterServer.publicIp } : {}),
    });
    this.masterServer = nodes.masterServer;
    this.masterHost = nodes.masterHost;
    this.master = nodes.master;
    this.masterReady = nodes.masterReady;
    this.worker = nodes.worker;
    this.workers = nodes.workers;
    this.keyPair = nodes.keyPair;
    this.apiSecurityGroup = nodes.apiSecurityGroup;
  }

  /** The API server's URL, `https://<address>:<port>`. */
  public get endpoint(): Ref {
    return this.master.output('endpoint');
  }

  /** The admin kubeconfig (secret). */
  public get kubeconfig(): Ref {
    return this.master.output('kubeconfig');
  }

  /** A `kubeadm join` command for more nodes, valid for 24 hours after the master's install (secret). */
  public get joinCommand(): Ref {
    return this.master.output('join_command');
  }

  /** The master's floating IP (when it has one). */
  public get masterPublicIp(): Ref {
    return this.masterServer.publicIp;
  }

  /** The master's address on the network. */
  public get masterPrivateIp(): Ref {
    return this.masterServer.privateIp;
  }
}

interface ClusterParts {
  readonly masterServer: OpenStackServer;
  readonly masterHost: Host;
  readonly master: RemoteScript;
  readonly masterReady: RemoteScript;
  readonly worker: K8sOpenStackWorker;
  readonly workers: ScalingGroup;
  readonly keyPair: OpenStackKeyPair;
  readonly apiSecurityGroup: OpenStackSecurityGroup;
}

/** Everything the cluster is made of, made beside it before the K8sCluster itself, which needs the master's kubeconfig. */
function buildCluster(scope: Construct, id: string, props: K8sClusterOnOpenStackProps): ClusterParts {
  const fail = failFor(scope, id);
  const settings = checkProps(fail, props);
  const connection = connectionOn(props, props.network);
  const keyPair = props.keyPair ?? new OpenStackKeyPair(scope, `${id}KeyPair`, connection);
  const auth = props.sshAuth ?? HostAuth.keyFromSecret(keyPair.privateKey);

  // The API server's port: open to the cluster's own VMs, and to apiAllowedFrom; NodePorts to nodePortsAllowedFrom.
  const apiAllowedFrom = props.apiAllowedFrom ?? '0.0.0.0/0';
  const apiSecurityGroup = new OpenStackSecurityGroup(scope, `${id}ApiSecurityGroup`, {
    ...connection,
    rules: [
      { protocol: 'tcp', fromPort: settings.apiServerPort, fromSameGroup: true },
      ...(apiAllowedFrom ? [{ protocol: 'tcp', fromPort: settings.apiServerPort, remoteIpPrefix: apiAllowedFrom }] : []),
      ...(props.nodePortsAllowedFrom ? [{ protocol: 'tcp', fromPort: NODE_PORTS.from, toPort: NODE_PORTS.to, remoteIpPrefix: props.nodePortsAllowedFrom }] : []),
    ],
  });
  const baseGroups = props.securityGroups ?? (props.network.defaultSecurityGroup ? [props.network.defaultSecurityGroup] : []);
  const floatingIp = props.bastion === undefined;
  const apiAccess = props.apiAccess ?? (floatingIp ? K8sApiAccess.PUBLIC : K8sApiAccess.ADVERTISED);

  const vm = (vmId: string, flavor: string | Ref, extra: { groups: OpenStackSecurityGroup[]; volumeGb?: number; floatingIpAddress?: string; serverGroup?: OpenStackServerGroup }) => new OpenStackServer(scope, vmId, {
    ...connection,
    network: props.network,
    image: props.image,
    flavor,
    keyPair,
    securityGroups: [...baseGroups, ...extra.groups],
    floatingIp,
    ...(extra.floatingIpAddress !== undefined ? { floatingIpAddress: extra.floatingIpAddress } : {}),
    ...(extra.serverGroup !== undefined ? { serverGroup: extra.serverGroup } : {}),
    volumes: extra.volumeGb ? [{ sizeGb: extra.volumeGb }] : [],
    ...(props.userData !== undefined ? { userData: props.userData } : {}),
  });
  const host = (hostId: string, server: OpenStackServer) => {
    const vmHost = new Host(scope, hostId, {
      address: floatingIp ? server.publicIp : server.privateIp,
      port: props.sshPort,
      user: props.sshUser ?? 'ubuntu',
      auth,
      hostKey: props.hostKey ?? HostKey.trustOnFirstUse(),
      ...(props.bastion ? { bastion: props.bastion } : {}),
    });
    // The VM boots after Nova reports it ACTIVE: its first login is retried for bootTimeout seconds.
    const retryInterval = 5;
    vmHost.addOperation('cloudify.interfaces.lifecycle', 'create', {
      implementation: 'hybrid.ssh.host.create',
      maxRetries: Math.ceil((props.bootTimeout ?? 600) / retryInterval),
      retryInterval,
    });
    // The login lives on the VM: healing (replacing) a VM reinstalls its host and what runs there.
    vmHost.containedIn(server.serverNode);
    return vmHost;
  };

  const masterServer = vm(`${id}MasterVm`, props.masterFlavor ?? props.flavor, { groups: [apiSecurityGroup], floatingIpAddress: props.masterFloatingIp });
  const masterHost = host(`${id}MasterHost`, masterServer);
  const master = installMaster(scope, `${id}Master`, masterHost, settings, {
    advertiseAddress: masterServer.privateIp,
    ...(floatingIp ? { publicAddress: masterServer.publicIp, apiAccess } : {}),
  });
  const masterReady = nodesReady(scope, `${id}MasterReady`, masterHost, master.output('node_name'), settings);

  const workerServer = vm(`${id}WorkerVm`, props.workers.flavor ?? props.flavor, { groups: [apiSecurityGroup], volumeGb: props.workers.volumeGb, serverGroup: props.workers.serverGroup });
  const workerHost = host(`${id}WorkerHost`, workerServer);
  const workerInstall = installWorker(scope, `${id}Worker`, workerHost, master, settings, { waitReady: true });
  const workers = new ScalingGroup(scope, groupName(id), {
    // The host and the install are contained in the server, so they scale with it.
    members: workerServer.nodes,
    defaultInstances: props.workers.count,
    minInstances: props.workers.min ?? 1,
    maxInstances: props.workers.max ?? -1,
  });
  return { masterServer, masterHost, master, masterReady, worker: { server: workerServer, host: workerHost, install: workerInstall }, workers, keyPair, apiSecurityGroup };
}

/** The scaling group's name: the cluster id in kebab case, then `-workers` (`Cluster` → `cluster-workers`). */
function groupName(id: string): string {
  const kebab = id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase().replace(/^-+|-+$/g, '');
  return `${kebab || 'cluster'}-workers`;
}

function checkProps(fail: Fail, props: K8sClusterOnOpenStackProps): InstallSettings {
  if (typeof props !== 'object' || props === null) throw fail(`K8sCluster.onOpenStack needs props { network, image, flavor, workers, version, podCidr }, got ${describeValue(props)}`);
  if (!OpenStackNetwork.isNetwork(props.network)) throw fail(`network must be an OpenStackNetwork or OpenStackNetwork.fromName/fromId(...), got ${describeValue(props.network)}`);
  const nameOrId = (name: string, value: unknown, optional = false) => {
    if ((optional && value === undefined) || Ref.isRef(value)) return;
    if (typeof value !== 'string' || value.trim() === '') throw fail(`${name} must be a name or id, got ${describeValue(value)}`);
  };
  nameOrId('image', props.image);
  nameOrId('flavor', props.flavor);
  nameOrId('masterFlavor', props.masterFlavor, true);
  const workers = props.workers;
  if (typeof workers !== 'object' || workers === null) throw fail(`workers must be { count, min?, max? }, got ${describeValue(workers)}`);
  nameOrId('workers.flavor', workers.flavor, true);
  checkWhole(fail, 'workers.count', workers.count, 0, 10_000, { refs: false });
  if (workers.count === undefined) throw fail('workers.count is required: how many workers to make');
  checkWhole(fail, 'workers.min', workers.min, 0, 10_000, { refs: false });
  if (workers.max !== undefined && workers.max !== -1) checkWhole(fail, 'workers.max', workers.max, 1, 10_000, { refs: false });
  const min = workers.min ?? 1;
  const max = workers.max ?? -1;
  if (workers.count < min || (max !== -1 && workers.count > max)) {
    throw fail(`workers.count must lie within workers.min and workers.max, got count ${workers.count}, min ${min}, max ${max === -1 ? 'unbounded' : max}`);
  }
  checkWhole(fail, 'workers.volumeGb', workers.volumeGb, 1, 100_000, { refs: false });
  if (workers.serverGroup !== undefined && !OpenStackServerGroup.isOpenStackServerGroup(workers.serverGroup)) {
    throw fail(`workers.serverGroup must be an OpenStackServerGroup, got ${describeValue(workers.serverGroup)}`);
  }
  if (props.keyPair !== undefined && !OpenStackKeyPair.isOpenStackKeyPair(props.keyPair)) throw fail(`keyPair must be an OpenStackKeyPair, got ${describeValue(props.keyPair)}`);
  if (props.keyPair && props.sshAuth === undefined && (props.keyPair.properties.public_key !== undefined || props.keyPair.properties.use_external_resource === true)) {
    throw fail(`keyPair ${props.keyPair.node.path} has no private key hybrid knows (it was given a public key, or looked up): give sshAuth, such as HostAuth.keyFromSecret(Secret.fromName('vm-key'))`);
  }
  if (props.sshAuth !== undefined && !HostAuth.isHostAuth(props.sshAuth)) throw fail(`sshAuth must be made with HostAuth.keyFile, HostAuth.keyFromSecret or HostAuth.agent, got ${describeValue(props.sshAuth)}`);
  if (props.bastion !== undefined && !Host.isHost(props.bastion)) throw fail(`bastion must be a Host, got ${describeValue(props.bastion)}`);
  if (props.apiAccess !== undefined && !Ref.isRef(props.apiAccess) && !Object.values(K8sApiAccess).includes(props.apiAccess)) {
    throw fail(`apiAccess must be one of ${Object.values(K8sApiAccess).join(', ')}, got ${describeValue(props.apiAccess)}`);
  }
  if (props.bastion !== undefined && props.apiAccess === K8sApiAccess.PUBLIC) {
    throw fail('apiAccess PUBLIC needs the master\'s floating IP, which VMs reached through a bastion do not get; use K8sApiAccess.ADVERTISED');
  }
  if (props.masterFloatingIp !== undefined && (typeof props.masterFloatingIp !== 'string' || !/^[0-9a-fA-F.:]+$/.test(props.masterFloatingIp))) {
    throw fail(`masterFloatingIp must be an IP address of the external network, got ${describeValue(props.masterFloatingIp)}`);
  }
  if (props.masterFloatingIp !== undefined && props.bastion !== undefined) throw fail('masterFloatingIp needs floating IPs, which VMs reached through a bastion do not get');
  if (props.apiAllowedFrom !== undefined && props.apiAllowedFrom !== '' && (typeof props.apiAllowedFrom !== 'string' || !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(props.apiAllowedFrom))) {
    throw fail(`apiAllowedFrom must be a CIDR such as 203.0.113.0/24, or '' for the cluster only, got ${describeValue(props.apiAllowedFrom)}`);
  }
  if (props.nodePortsAllowedFrom !== undefined) checkCidr(fail, 'nodePortsAllowedFrom', props.nodePortsAllowedFrom);
  (props.securityGroups ?? []).forEach((group, index) => {
    if (!OpenStackSecurityGroup.isOpenStackSecurityGroup(group)) throw fail(`securityGroups[${index}] must be an OpenStackSecurityGroup, got ${describeValue(group)}`);
  });
  checkPort(fail, 'sshPort', props.sshPort);
  checkWhole(fail, 'bootTimeout', props.bootTimeout, 1, 86400, { refs: false });
  return checkInstallProps(fail, props);
}
