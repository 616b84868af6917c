import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkCidr, checkIp, checkString, checkWhole, ipv4Range, isIpv4 } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection, asLookup } from './connection';
import { OpenStackSecurityGroup, SecurityGroupRule } from './security-group';
import { fail } from './validate';

const NETWORK_BRAND = Symbol.for('hybrid.OpenStackNetwork');
const IMPORTED_NETWORK_BRAND = Symbol.for('hybrid.ImportedOpenStackNetwork');

/** A network servers can be put on: one this program creates, or an existing one looked up. */
export interface IOpenStackNetwork {
  /** The network's id, known at deploy time. */
  readonly networkId: Ref;
  /** The subnet's id (for a looked-up network: the subnet named, else the network's only subnet). */
  readonly subnetId: Ref;
  /** The external network floating IPs come from, when the network is routed to one. */
  readonly externalNetwork?: string;
  /**
   * The node a floating IP must wait for (the router interface that makes the subnet reachable
   * from the external network), when this program creates it.
   */
  readonly routingNode?: NodeTemplate;
  /** The security group servers get when they name none, if any. */
  readonly defaultSecurityGroup?: OpenStackSecurityGroup;
  /** The cloud it lives in. */
  readonly cloud?: string;
  /** The region it lives in. */
  readonly region?: string;
}

/** An address range of the subnet that ports take addresses from. */
export interface AllocationPool {
  /** The first address. */
  readonly start: string;
  /** The last address. */
  readonly end: string;
}

/** The default security group's rules. */
export interface DefaultSecurityGroupProps {
  /** Allow SSH (tcp/22) from this CIDR; empty disallows SSH. @default '0.0.0.0/0' */
  readonly sshFrom?: string;
  /** Allow ICMP (ping) from anywhere. @default true */
  readonly allowIcmp?: boolean;
  /** Allow all traffic between members of the group (servers of this network that use it). @default true */
  readonly allowInternal?: boolean;
  /** More ingress rules, e.g. `{ protocol: 'tcp', fromPort: 443 }`. @default - none */
  readonly extraRules?: SecurityGroupRule[];
}

/** Props of an OpenStackNetwork. */
export interface OpenStackNetworkProps extends OpenStackConnectionProps {
  /** The subnet's address range. @default '10.0.0.0/24' */
  readonly cidr?: string;
  /**
   * The external network (name or id) a router connects the subnet to, for floating IPs and
   * outbound traffic. Empty means no router. @default 'public'
   */
  readonly externalNetwork?: string;
  /** The subnet's gateway address. @default - the first address of the CIDR */
  readonly gatewayIp?: string;
  /** DNS servers handed to servers by DHCP. @default - none */
  readonly dnsNameservers?: string[];
  /** Address ranges ports take addresses from. @default - the whole CIDR but the gateway */
  readonly allocationPools?: AllocationPool[];
  /** Whether Neutron serves DHCP on the subnet. @default true */
  readonly enableDhcp?: boolean;
  /** The network name. @default - derived from the stack and the node */
  readonly name?: string;
  /** The MTU in bytes. @default - Neutron's choice */
  readonly mtu?: number;
  /**
   * The security group servers on this network get unless they name their own. `false`
   * makes none. @default - SSH from anywhere, ICMP, and all traffic between members
   */
  readonly defaultSecurityGroup?: DefaultSecurityGroupProps | boolean;
}

/** Props of a lookup of an existing network. */
export interface OpenStackNetworkLookupProps extends OpenStackConnectionProps {
  /** The subnet (name or id) servers take addresses from. @default - the network's only subnet */
  readonly subnet?: string;
  /** The external network floating IPs come from, if servers on it should get them. @default - none */
  readonly externalNetwork?: string;
}

/**
 * A tenant network ready for servers: a network, a subnet, a router to an external network (so
 * servers can have floating IPs), and a default security group with sensible rules.
 */
export class OpenStackNetwork extends Construct implements IOpenStackNetwork {
  /** True for any OpenStackNetwork, even one made by another copy of this library. */
  public static isOpenStackNetwork(x: any): x is OpenStackNetwork {
    return typeof x === 'object' && x !== null && x[NETWORK_BRAND] === true;
  }

  /** True for any network a server can use: created here or looked up. */
  public static isNetwork(x: any): x is IOpenStackNetwork {
    return typeof x === 'object' && x !== null && (x[NETWORK_BRAND] === true || x[IMPORTED_NETWORK_BRAND] === true);
  }

  /** An existing network by name; destroy leaves it in place. */
  public static fromName(scope: Construct, id: string, name: string, props: OpenStackNetworkLookupProps = {}): IOpenStackNetwork {
    return new ImportedOpenStackNetwork(scope, id, name, props);
  }

  /** An existing network by id; destroy leaves it in place. */
  public static fromId(scope: Construct, id: string, networkId: string, props: OpenStackNetworkLookupProps = {}): IOpenStackNetwork {
    if (typeof networkId !== 'string' || !/^[0-9a-f-]{32,36}$/i.test(networkId)) {
      throw fail(scope, `OpenStackNetwork.fromId(${JSON.stringify(id)}) needs a network UUID, got ${describeValue(networkId)}`);
    }
    return new ImportedOpenStackNetwork(scope, id, networkId, props);
  }

  /** The network node. */
  public readonly networkNode: NodeTemplate;
  /** The subnet node. */
  public readonly subnetNode: NodeTemplate;
  /** The router node, when there is an external network. */
  public readonly routerNode?: NodeTemplate;
  /** The router's interface on the subnet, when there is a router. */
  public readonly routerInterfaceNode?: NodeTemplate;
  public readonly defaultSecurityGroup?: OpenStackSecurityGroup;
  public readonly externalNetwork?: string;
  public readonly cidr: string;
  public readonly cloud?: string;
  public readonly region?: string;

  constructor(scope: Construct, id: string, props: OpenStackNetworkProps = {}) {
    super(scope, id);
    Object.defineProperty(this, NETWORK_BRAND, { value: true });
    this.cidr = props.cidr ?? '10.0.0.0/24';
    checkCidr(this, 'cidr', this.cidr);
    const external = props.externalNetwork ?? 'public';
    checkString(this, 'externalNetwork', external);
    checkIp(this, 'gatewayIp', props.gatewayIp);
    if (props.gatewayIp !== undefined && isIpv4(this.cidr.split('/')[0]) && !inCidr(props.gatewayIp, this.cidr)) {
      throw fail(this, `gatewayIp ${props.gatewayIp} is not inside cidr ${this.cidr}`);
    }
    (props.dnsNameservers ?? []).forEach((server, index) => checkIp(this, `dnsNameservers[${index}]`, server));
    (props.allocationPools ?? []).forEach((pool, index) => {
      checkIp(this, `allocationPools[${index}].start`, pool?.start);
      checkIp(this, `allocationPools[${index}].end`, pool?.end);
      if (!pool?.start || !pool?.end) throw fail(this, `allocationPools[${index}] needs start and end, got ${describeValue(pool)}`);
      if (isIpv4(pool.start) && !(inCidr(pool.start, this.cidr) && inCidr(pool.end, this.cidr))) {
        throw fail(this, `allocationPools[${index}] ${pool.start}-${pool.end} is not inside cidr ${this.cidr}`);
      }
    });
    checkWhole(this, 'mtu', props.mtu, 68, undefined, { refs: false });
    this.cloud = props.cloud;
    this.region = props.region;
    this.externalNetwork = external || undefined;

    this.networkNode = new NodeTemplate(this, 'Network', { type: 'hybrid.nodes.openstack.Network' });
    applyConnection(this.networkNode, props);
    if (props.name !== undefined) this.networkNode.setProperty('name', props.name);
    if (props.mtu !== undefined) this.networkNode.setProperty('mtu', props.mtu);

    this.subnetNode = new NodeTemplate(this, 'Subnet', { type: 'hybrid.nodes.openstack.Subnet' });
    applyConnection(this.subnetNode, props);
    this.subnetNode.setProperty('network_id', this.networkNode.attr('id'));
    this.subnetNode.setProperty('cidr', this.cidr);
    if (!isIpv4(this.cidr.split('/')[0])) this.subnetNode.setProperty('ip_version', 6);
    if (props.gatewayIp !== undefined) this.subnetNode.setProperty('gateway_ip', props.gatewayIp);
    if (props.dnsNameservers !== undefined) this.subnetNode.setProperty('dns_nameservers', [...props.dnsNameservers]);
    if (props.allocationPools !== undefined) this.subnetNode.setProperty('allocation_pools', props.allocationPools.map(({ start, end }) => ({ start, end })));
    if (props.enableDhcp !== undefined) this.subnetNode.setProperty('enable_dhcp', props.enableDhcp);

    if (this.externalNetwork) {
      this.routerNode = new NodeTemplate(this, 'Router', { type: 'hybrid.nodes.openstack.Router' });
      applyConnection(this.routerNode, props);
      this.routerNode.setProperty('external_network', this.externalNetwork);
      this.routerInterfaceNode = new NodeTemplate(this, 'RouterInterface', { type: 'hybrid.nodes.openstack.RouterInterface' });
      applyConnection(this.routerInterfaceNode, props);
      this.routerInterfaceNode.setProperty('router_id', this.routerNode.attr('id'));
      this.routerInterfaceNode.setProperty('subnet_id', this.subnetNode.attr('id'));
    }

    if (props.defaultSecurityGroup !== false) {
      const options = typeof props.defaultSecurityGroup === 'object' ? props.defaultSecurityGroup : {};
      const sshFrom = options.sshFrom ?? '0.0.0.0/0';
      const rules: SecurityGroupRule[] = [
        ...(sshFrom ? [{ protocol: 'tcp', fromPort: 22, remoteIpPrefix: sshFrom }] : []),
        ...(options.allowIcmp === false ? [] : [{ protocol: 'icmp' }]),
        ...(options.allowInternal === false ? [] : [{ fromSameGroup: true }]),
        ...(options.extraRules ?? []),
      ];
      this.defaultSecurityGroup = new OpenStackSecurityGroup(this, 'SecurityGroup', { cloud: props.cloud, region: props.region, rules });
    }
  }

  /** The network's id, known at deploy time. */
  public get networkId(): Ref {
    return this.networkNode.attr('id');
  }

  /** The subnet's id, known at deploy time. */
  public get subnetId(): Ref {
    return this.subnetNode.attr('id');
  }

  /** The router's id, when there is a router. */
  public get routerId(): Ref | undefined {
    return this.routerNode?.attr('id');
  }

  /** The router interface: floating IPs of servers on this network wait for it. */
  public get routingNode(): NodeTemplate | undefined {
    return this.routerInterfaceNode;
  }
}

/** An existing network (and optionally subnet), looked up at deploy time. */
class ImportedOpenStackNetwork extends Construct implements IOpenStackNetwork {
  public readonly networkNode: NodeTemplate;
  public readonly subnetNode: NodeTemplate;
  public readonly externalNetwork?: string;
  public readonly cloud?: string;
  public readonly region?: string;

  constructor(scope: Construct, id: string, nameOrId: string, props: OpenStackNetworkLookupProps) {
    super(scope, id);
    Object.defineProperty(this, IMPORTED_NETWORK_BRAND, { value: true });
    checkString(this, 'subnet', props.subnet, { optional: true, nonEmpty: true });
    checkString(this, 'externalNetwork', props.externalNetwork, { optional: true, nonEmpty: true });
    this.networkNode = new NodeTemplate(this, 'Network', { type: 'hybrid.nodes.openstack.Network' });
    applyConnection(this.networkNode, props);
    asLookup(this.networkNode, nameOrId);
    this.subnetNode = new NodeTemplate(this, 'Subnet', { type: 'hybrid.nodes.openstack.Subnet' });
    applyConnection(this.subnetNode, props);
    this.subnetNode.setProperty('use_external_resource', true);
    this.subnetNode.setProperty('resource_id', props.subnet ?? '');
    // Without a name, the provider takes the network's only subnet.
    this.subnetNode.setProperty('network_id', this.networkNode.attr('id'));
    this.externalNetwork = props.externalNetwork;
    this.cloud = props.cloud;
    this.region = props.region;
  }

  public get networkId(): Ref {
    return this.networkNode.attr('id');
  }

  public get subnetId(): Ref {
    return this.subnetNode.attr('id');
  }
}

/** Whether an IPv4 address lies in an IPv4 CIDR (anything else is left to Neutron). */
function inCidr(address: string, cidr: string): boolean {
  const range = ipv4Range(cidr);
  if (!isIpv4(address) || !range) return true;
  const [number] = ipv4Range(`${address}/32`)!;
  return number >= range[0] && number <= range[1];
}
