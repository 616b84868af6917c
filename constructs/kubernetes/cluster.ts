import { Construct } from 'constructs';
import { ErrorCode } from '../../lib/core/errors';
import { SourceLocation, constructError } from '../../lib/core/location';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkString } from '../../lib/core/validate';
import type { K8sClusterOnHosts, K8sClusterOnHostsProps } from './on-hosts';
import type { K8sClusterOnOpenStack, K8sClusterOnOpenStackProps } from './on-openstack';

const K8S_CLUSTER_BRAND = Symbol.for('hybrid.K8sCluster');

/** Props of a K8sCluster: how the provider reaches it. Set at most one of kubeconfig, kubeconfigPath and inCluster. */
export interface K8sClusterProps {
  /**
   * The kubeconfig's content, known at deploy time: an attribute of the node that creates the
   * cluster, or a hybrid Secret. It is treated as a secret (masked, encrypted in state). A literal
   * string is refused: it would be written into the blueprint in plain text.
   * @default - not used
   */
  readonly kubeconfig?: Ref;
  /**
   * A kubeconfig file, absolute or relative to the program's directory.
   * @default - KUBECONFIG, then ~/.kube/config, then the in-cluster service account, at deploy time
   */
  readonly kubeconfigPath?: string;
  /** The kubeconfig context. @default - the kubeconfig's current-context */
  readonly context?: string;
  /** Use the service account of the pod hybrid runs in. @default false */
  readonly inCluster?: boolean;
  /**
   * A node that must be installed before any object goes to this cluster: the one that creates
   * the cluster, or that the kubeconfig attribute belongs to.
   * @default - none
   */
  readonly dependsOn?: NodeTemplate;
  /**
   * The address the cluster's NodePort Services are reached at from outside it (a node's public
   * IP, a load balancer in front of the nodes): what `K8sService.nodeAddress` gives.
   * @default - the address of a Ready node as the API server reports it (often a private one)
   */
  readonly nodeAddress?: string | Ref;
}

/** Props of `K8sCluster.fromKubeconfig`. */
export interface K8sClusterFromKubeconfigProps {
  /**
   * The kubeconfig file, absolute or relative to the program's directory.
   * @default - KUBECONFIG, then ~/.kube/config, at deploy time (as kubectl finds it)
   */
  readonly path?: string;
  /** The context to use. @default - the kubeconfig's current-context */
  readonly context?: string;
}

/** Props of `K8sCluster.fromKubeconfigAttribute`. */
export interface K8sClusterFromAttributeProps {
  /** The node that creates the cluster and records its kubeconfig as a (secret) attribute. */
  readonly node: NodeTemplate;
  /** The attribute holding the kubeconfig content. @default 'kubeconfig' */
  readonly attribute?: string;
  /** The context to use. @default - the kubeconfig's current-context */
  readonly context?: string;
}

/**
 * A Kubernetes cluster that objects are applied to. An existing one enters with
 * `K8sCluster.fromKubeconfig`; one that the same program creates (on OpenStack, on hosts) hands
 * its kubeconfig over as an attribute, so one deploy can create a cluster and deploy into it.
 * Objects given no cluster use the deploying machine's kubeconfig, as kubectl does.
 */
export class K8sCluster extends Construct {
  /** True for any K8sCluster, even one made by another copy of this library. */
  public static isK8sCluster(x: any): x is K8sCluster {
    return typeof x === 'object' && x !== null && x[K8S_CLUSTER_BRAND] === true;
  }

  /** An existing cluster, reached through a kubeconfig file on the deploying machine. */
  public static fromKubeconfig(scope: Construct, id: string, props: K8sClusterFromKubeconfigProps = {}): K8sCluster {
    return new K8sCluster(scope, id, { kubeconfigPath: props.path, context: props.context });
  }

  /** A cluster whose kubeconfig is an attribute of a node in this program (the node that creates it). */
  public static fromKubeconfigAttribute(scope: Construct, id: string, props: K8sClusterFromAttributeProps): K8sCluster {
    if (!NodeTemplate.isNodeTemplate(props?.node)) {
      throw constructError(ErrorCode.InvalidProps, scope, `K8sCluster.fromKubeconfigAttribute needs the node that holds the kubeconfig, got ${describeValue(props?.node)}`);
    }
    return new K8sCluster(scope, id, { kubeconfig: props.node.attr(props.attribute ?? 'kubeconfig'), context: props.context, dependsOn: props.node });
  }

  /**
   * A cluster that hybrid installs with kubeadm on existing hosts reached over SSH: container
   * runtime and packages everywhere, `kubeadm init` on the master, `kubeadm join` on each worker
   * with the master's join command; objects on it deploy in the same run (see K8sClusterOnHosts).
   */
  public static onHosts(scope: Construct, id: string, props: K8sClusterOnHostsProps): K8sClusterOnHosts {
    // on-hosts.ts extends this class, so it can only load once this module has: required here.
    const { K8sClusterOnHosts: OnHosts } = require('./on-hosts') as typeof import('./on-hosts');
    return new OnHosts(scope, id, props);
  }

  /**
   * A cluster that hybrid builds on OpenStack VMs (a master, and workers as a scaling group whose
   * unit is a VM, its port, floating IP and volume, and its Kubernetes node) and installs with
   * kubeadm over SSH, as onHosts does; objects on it deploy in the same run (see K8sClusterOnOpenStack).
   */
  public static onOpenStack(scope: Construct, id: string, props: K8sClusterOnOpenStackProps): K8sClusterOnOpenStack {
    const { K8sClusterOnOpenStack: OnOpenStack } = require('./on-openstack') as typeof import('./on-openstack');
    return new OnOpenStack(scope, id, props);
  }

  /** The cluster hybrid itself runs in, through its pod's service account. */
  public static inCluster(scope: Construct, id: string): K8sCluster {
    return new K8sCluster(scope, id, { inCluster: true });
  }

  /** The `client_config` property every object on this cluster carries. */
  public readonly clientConfig: { [key: string]: any };
  /** The node objects on this cluster are installed after, if any. */
  public readonly dependency?: NodeTemplate;
  /** Where NodePort Services are reached from outside the cluster, when known (see K8sClusterProps). */
  public readonly nodeAddress?: string | Ref;

  constructor(scope: Construct, id: string, props: K8sClusterProps = {}) {
    super(scope, id);
    Object.defineProperty(this, K8S_CLUSTER_BRAND, { value: true });
    const location = SourceLocation.capture();
    const fail = (message: string) => constructError(ErrorCode.InvalidProps, this, message, location);
    const given = (['kubeconfig', 'kubeconfigPath', 'inCluster'] as const).filter((name) => props[name] !== undefined && props[name] !== false);
    if (given.length > 1) throw fail(`set at most one of kubeconfig, kubeconfigPath and inCluster, got ${given.join(' and ')}`);
    if (props.kubeconfig !== undefined && !Ref.isRef(props.kubeconfig)) {
      throw fail('kubeconfig must be a Ref (a node attribute or Secret.fromName(...)): a literal kubeconfig would be written into the blueprint in plain text; use kubeconfigPath for a file');
    }
    if (props.kubeconfigPath !== undefined && (typeof props.kubeconfigPath !== 'string' || props.kubeconfigPath.trim() === '')) {
      throw fail(`kubeconfigPath must be a file path, got ${describeValue(props.kubeconfigPath)}`);
    }
    if (props.context !== undefined && (typeof props.context !== 'string' || props.context === '')) {
      throw fail(`context must be a context name, got ${describeValue(props.context)}`);
    }
    if (props.dependsOn !== undefined && !NodeTemplate.isNodeTemplate(props.dependsOn)) {
      throw fail(`dependsOn must be a node template, got ${describeValue(props.dependsOn)}`);
    }
    checkString(fail, 'nodeAddress', props.nodeAddress, { optional: true, nonEmpty: true });
    this.clientConfig = {
      ...(props.kubeconfig !== undefined ? { kubeconfig: props.kubeconfig } : {}),
      ...(props.kubeconfigPath !== undefined ? { kubeconfig_path: props.kubeconfigPath } : {}),
      ...(props.context !== undefined ? { context: props.context } : {}),
      ...(props.inCluster ? { in_cluster: true } : {}),
    };
    this.dependency = props.dependsOn;
    this.nodeAddress = props.nodeAddress;
  }
}
