import { Construct } from 'constructs';
import { invalidProps } from '../../lib/core/node-template';
import { Fn, Ref, describeValue } from '../../lib/core/refs';
import { K8sIngressBackend, K8sIngressRule, K8sIngressTLS, K8sServicePort } from './api.generated';
import { K8sNamespace, K8sNamespacedOptions, K8sObject, K8sObjectOptions } from './object';
import { checkPort, checkStringMap, isIpv4 } from '../../lib/core/validate';
import { LABEL_KEYS, LABEL_VALUES, checkLabelName, kebabName } from './validate';
import type { K8sWorkload } from './workloads';

const K8S_SERVICE_BRAND = Symbol.for('hybrid.K8sService');
const K8S_WORKLOAD_BRAND = Symbol.for('hybrid.K8sWorkload');

/** How a Service is reached. */
export enum K8sServiceType {
  /** A virtual IP inside the cluster only. */
  CLUSTER_IP = 'ClusterIP',
  /** Also a port on every node. */
  NODE_PORT = 'NodePort',
  /** Also an external load balancer, from the cluster's cloud or load-balancer controller. */
  LOAD_BALANCER = 'LoadBalancer',
  /** A DNS alias (CNAME) for a name outside the cluster. */
  EXTERNAL_NAME = 'ExternalName',
}

/** What a Service offers, whatever selects its pods. */
export interface K8sServiceSpecOptions {
  /** How the Service is reached. @default K8sServiceType.CLUSTER_IP */
  readonly type?: K8sServiceType;
  /** The ports; each needs a name when there are several. Required unless the type is EXTERNAL_NAME. @default - none */
  readonly ports?: K8sServicePort[];
  /** A fixed cluster IP, or `None` for a headless Service (one DNS record per pod). @default - one is allocated */
  readonly clusterIP?: string;
  /** The DNS name an EXTERNAL_NAME Service aliases. @default - none */
  readonly externalName?: string | Ref;
  /**
   * For a LOAD_BALANCER Service: wait until the load balancer has an address (so that
   * `loadBalancerAddress` is known to outputs and dependents).
   * @default false
   */
  readonly waitForLoadBalancer?: boolean;
  /** `None` or `ClientIP` (sticky sessions). @default 'None' */
  readonly sessionAffinity?: string;
  /** `Cluster` or `Local`, for NODE_PORT and LOAD_BALANCER Services. @default 'Cluster' */
  readonly externalTrafficPolicy?: string;
  /** Client CIDRs a load balancer admits. @default - any */
  readonly loadBalancerSourceRanges?: string[];
}

/** Props of a K8sService. */
export interface K8sServiceProps extends K8sNamespacedOptions, K8sServiceSpecOptions {
  /** The labels of the pods it sends traffic to. @default - none (with selectFrom, that workload's selector labels) */
  readonly selector?: { [key: string]: string };
  /** A workload (Deployment, StatefulSet, DaemonSet) whose pods it sends traffic to. @default - none */
  readonly selectFrom?: K8sWorkload;
}

/** Props of a workload's `expose`: the Service in front of its pods, in its namespace and cluster. */
export interface K8sExposeProps extends K8sServiceSpecOptions {
  /** `metadata.name`. @default - the workload's name */
  readonly name?: string;
  /** Labels. @default - none */
  readonly labels?: { [key: string]: string | Ref };
  /** Annotations. @default - none */
  readonly annotations?: { [key: string]: string | Ref };
  /** Seconds to wait for the load balancer (with waitForLoadBalancer) and for deletion. @default 300 */
  readonly readyTimeout?: number;
}

/**
 * A Service: a stable name and address for pods. `selectFrom: deployment` (or
 * `deployment.expose(...)`) selects a workload's pods; without a selector, give it Endpoints
 * (see K8sExternalService). Its addresses are attributes: `clusterIp`, `loadBalancerAddress`,
 * `nodePort(name)`, `nodeAddress`, and `dnsName` for pods.
 */
export class K8sService extends K8sObject {
  /** True for any K8sService, even one made by another copy of this library. */
  public static isK8sService(x: any): x is K8sService {
    return typeof x === 'object' && x !== null && x[K8S_SERVICE_BRAND] === true;
  }

  /** The Service type. */
  public readonly serviceType: K8sServiceType;
  private readonly spec: { [key: string]: any };

  constructor(scope: Construct, id: string, props: K8sServiceProps) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'Service' } });
    Object.defineProperty(this, K8S_SERVICE_BRAND, { value: true });
    checkLabelName(this, 'name of a Service (it is a DNS label)', this.objectName, { startWithLetter: true });
    const type = props.type ?? K8sServiceType.CLUSTER_IP;
    if (!Object.values(K8sServiceType).includes(type)) throw invalidProps(this, `type must be a K8sServiceType value, got ${describeValue(props.type)}`);
    this.serviceType = type;
    const spec: { [key: string]: any } = {};
    if (type !== K8sServiceType.CLUSTER_IP) spec.type = type;

    let selector: { [key: string]: string } | undefined;
    if (props.selectFrom !== undefined) {
      if (!(typeof props.selectFrom === 'object' && props.selectFrom !== null && (props.selectFrom as any)[K8S_WORKLOAD_BRAND] === true)) {
        throw invalidProps(this, `selectFrom must be a K8sDeployment, K8sStatefulSet or K8sDaemonSet, got ${describeValue(props.selectFrom)}`);
      }
      if (props.selector !== undefined) throw invalidProps(this, 'give either selector or selectFrom, not both');
      if ((props.selectFrom.namespaceName ?? 'default') !== (this.namespaceName ?? 'default')) {
        throw invalidProps(this, `selectFrom ${props.selectFrom.node.path} is in namespace ${props.selectFrom.namespaceName ?? '(default)'}, the Service in ${this.namespaceName ?? '(default)'}; a Service selects pods of its own namespace`);
      }
      selector = props.selectFrom.selectorLabels;
    } else if (props.selector !== undefined) {
      checkStringMap(this, 'selector', props.selector, { keys: LABEL_KEYS, values: LABEL_VALUES });
      selector = props.selector;
    }
    if (selector) spec.selector = { ...selector };

    if (type === K8sServiceType.EXTERNAL_NAME) {
      if (props.externalName === undefined) throw invalidProps(this, 'an EXTERNAL_NAME Service needs externalName (the DNS name it aliases)');
      spec.externalName = props.externalName;
    } else if (props.externalName !== undefined) {
      throw invalidProps(this, `externalName is for EXTERNAL_NAME Services, but the type is ${type}`);
    }
    const ports = props.ports ?? [];
    if (!Array.isArray(ports)) throw invalidProps(this, `ports must be a list, got ${describeValue(props.ports)}`);
    if (ports.length === 0 && type !== K8sServiceType.EXTERNAL_NAME) throw invalidProps(this, 'ports must list at least one port ({ port: 80, targetPort: 8080 })');
    ports.forEach((port, index) => {
      checkPort(this, `ports[${index}].port`, port?.port);
      if (port.port === undefined) throw invalidProps(this, `ports[${index}] needs a port number`);
      if (typeof port.targetPort === 'number') checkPort(this, `ports[${index}].targetPort`, port.targetPort);
      checkPort(this, `ports[${index}].nodePort`, port.nodePort);
      if (port.nodePort !== undefined && type !== K8sServiceType.NODE_PORT && type !== K8sServiceType.LOAD_BALANCER) {
        throw invalidProps(this, `ports[${index}].nodePort is for NODE_PORT and LOAD_BALANCER Services, but the type is ${type}`);
      }
      if (ports.length > 1 && (typeof port.name !== 'string' || port.name === '')) throw invalidProps(this, `ports[${index}] needs a name: a Service with several ports names each of them`);
    });
    if (ports.length > 0) spec.ports = ports.map((port) => ({ ...port }));
    if (props.clusterIP !== undefined) spec.clusterIP = props.clusterIP;
    for (const name of ['sessionAffinity', 'externalTrafficPolicy', 'loadBalancerSourceRanges'] as const) if (props[name] !== undefined) spec[name] = props[name];
    if (props.waitForLoadBalancer) {
      if (type !== K8sServiceType.LOAD_BALANCER) throw invalidProps(this, `waitForLoadBalancer is for LOAD_BALANCER Services, but the type is ${type}`);
      this.setProperty('wait', {
        ...(props.waitForReady === false ? { ready: false } : {}),
        ...(props.readyTimeout !== undefined ? { timeout: props.readyTimeout } : {}),
        load_balancer: true,
      });
    }
    this.spec = spec;
  }

  /** The cluster IP, known once the Service exists. */
  public get clusterIp(): Ref {
    return this.attr('cluster_ip');
  }

  /** The load balancer's IP or host name (with waitForLoadBalancer; else what was there when it was created, maybe ''). */
  public get loadBalancerAddress(): Ref {
    return this.attr('load_balancer');
  }

  /** The node port of a port (by name, or by number when unnamed), known once the Service exists. */
  public nodePort(portName: string): Ref {
    return this.attr('node_ports', portName);
  }

  /**
   * Where a NODE_PORT Service is reached from outside the cluster: the cluster's `nodeAddress`
   * when it knows one (a K8sCluster.onOpenStack master's floating IP), else the address of a
   * Ready node as the API server reports it.
   */
  public get nodeAddress(): string | Ref {
    return this.cluster?.nodeAddress ?? this.attr('node_address');
  }

  /** The name pods resolve it by: `<name>.<namespace>.svc.cluster.local`. */
  public get dnsName(): string | Ref {
    if (this.namespaceName !== undefined) return `${this.objectName}.${this.namespaceName}.svc.cluster.local`;
    return Fn.concat(this.objectName, '.', this.namespaceAttribute, '.svc.cluster.local');
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: this.spec };
  }
}

/** Props of a K8sIngress. */
export interface K8sIngressProps extends K8sNamespacedOptions {
  /** Host and path rules. Add more with `addRule`. @default - none */
  readonly rules?: K8sIngressRule[];
  /** Where requests no rule matches go. @default - the ingress controller's default */
  readonly defaultBackend?: K8sIngressBackend;
  /** The IngressClass (which controller serves it). @default - the cluster's default class */
  readonly ingressClassName?: string;
  /** TLS certificates, from Secrets, by host. @default - none */
  readonly tls?: K8sIngressTLS[];
}

/** An Ingress (networking.k8s.io/v1): HTTP routes from hosts and paths to Services. */
export class K8sIngress extends K8sObject {
  /** A backend that sends requests to a Service's port (a number, or a port name). */
  public static backend(service: K8sService, port: number | string): K8sIngressBackend {
    return { service: { name: service.objectName, port: typeof port === 'number' ? { number: port } : { name: port } } };
  }

  private readonly rules: K8sIngressRule[] = [];
  private readonly spec: { [key: string]: any } = {};

  constructor(scope: Construct, id: string, props: K8sIngressProps = {}) {
    super(scope, id, { ...props, definition: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' } });
    if (props.rules !== undefined && !Array.isArray(props.rules)) throw invalidProps(this, `rules must be a list, got ${describeValue(props.rules)}`);
    this.rules.push(...(props.rules ?? []));
    if (props.defaultBackend !== undefined) this.spec.defaultBackend = props.defaultBackend;
    if (props.ingressClassName !== undefined) this.spec.ingressClassName = props.ingressClassName;
    if (props.tls !== undefined) this.spec.tls = props.tls;
  }

  /** Routes `path` (a prefix) on `host` to a Service's port. */
  public addRule(path: string, service: K8sService, port: number | string, host?: string): void {
    if (typeof path !== 'string' || !path.startsWith('/')) throw invalidProps(this, `path must start with '/', got ${describeValue(path)}`);
    if (!K8sService.isK8sService(service)) throw invalidProps(this, `service must be a K8sService, got ${describeValue(service)}`);
    const entry = { path, pathType: 'Prefix', backend: K8sIngress.backend(service, port) };
    const index = this.rules.findIndex((rule) => rule.host === host);
    if (index === -1) {
      this.rules.push({ ...(host !== undefined ? { host } : {}), http: { paths: [entry] } });
    } else {
      const rule = this.rules[index];
      this.rules[index] = { ...rule, http: { paths: [...(rule.http?.paths ?? []), entry] } };
    }
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: { ...this.spec, ...(this.rules.length > 0 ? { rules: this.rules.map((rule) => ({ ...rule })) } : {}) } };
  }
}

/** Props of a K8sExternalService. */
export interface K8sExternalServiceProps extends K8sObjectOptions {
  /**
   * Where the service really is: an IPv4 address (a literal, or a Ref such as a VM's `ip`
   * attribute, which must be an IP address at deploy time) or a DNS name (a literal).
   */
  readonly address: string | Ref;
  /** The port pods connect to. */
  readonly port: number;
  /** The port at the address. @default - the same as port */
  readonly targetPort?: number;
  /** The namespace of the Service. @default - the kubeconfig context's namespace */
  readonly namespace?: string | K8sNamespace;
}

/**
 * A stable in-cluster name for something outside the cluster (a database on a VM or host): a
 * Service without selector plus Endpoints that hold the address, so pods connect to
 * `<name>.<namespace>.svc.cluster.local` and the address can change without touching them. For a
 * DNS name, an ExternalName Service instead.
 */
export class K8sExternalService extends Construct {
  /** The Service pods connect to. */
  public readonly service: K8sService;
  /** The Endpoints holding the address (not made for a DNS name). */
  public readonly endpoints?: K8sObject;

  constructor(scope: Construct, id: string, props: K8sExternalServiceProps) {
    super(scope, id);
    const isHostName = typeof props?.address === 'string' && !isIpv4(props.address);
    const { address, port, targetPort, namespace, ...options } = props;
    this.service = new K8sService(this, 'Service', {
      ...options,
      name: props.name ?? kebabName(id),
      namespace,
      ...(isHostName
        ? { type: K8sServiceType.EXTERNAL_NAME, externalName: address, ports: [{ name: 'tcp', port, ...(targetPort ? { targetPort } : {}) }] }
        : { ports: [{ name: 'tcp', port, targetPort: targetPort ?? port }] }),
    });
    if (typeof address === 'string' && address.trim() === '') throw invalidProps(this.service, 'address must be an IP address or a DNS name, got ""');
    if (!Ref.isRef(address) && typeof address !== 'string') throw invalidProps(this.service, `address must be an IP address, a DNS name or a Ref, got ${describeValue(address)}`);
    if (!isHostName) {
      this.endpoints = new K8sObject(this, 'Endpoints', {
        cluster: props.cluster,
        namespace,
        readyTimeout: props.readyTimeout,
        forceConflicts: props.forceConflicts,
        definition: {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: this.service.objectName },
          subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'tcp', port: targetPort ?? port }] }],
        },
      });
    }
  }

  /** The name pods connect to. */
  public get dnsName(): string | Ref {
    return this.service.dnsName;
  }
}
