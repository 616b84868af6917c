import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkCidr, checkPort, checkString } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection, asLookup } from './connection';
import { fail } from './validate';

const SECURITY_GROUP_BRAND = Symbol.for('hybrid.OpenStackSecurityGroup');

/** Which way a rule lets traffic through. */
export enum RuleDirection {
  INGRESS = 'ingress',
  EGRESS = 'egress',
}

/** One security group rule. */
export interface SecurityGroupRule {
  /** @default RuleDirection.INGRESS */
  readonly direction?: RuleDirection;
  /** `tcp`, `udp`, `icmp`, or `any`. @default 'any' */
  readonly protocol?: string;
  /** The first port (tcp/udp). @default - every port */
  readonly fromPort?: number;
  /** The last port (tcp/udp). @default - fromPort */
  readonly toPort?: number;
  /** Where traffic may come from (or go to), as a CIDR. @default - anywhere (unless a remote group is given) */
  readonly remoteIpPrefix?: string;
  /** Allow only members of this group (by id). @default - no group restriction */
  readonly remoteGroupId?: string | Ref;
  /** Allow only members of this same group (cluster-internal traffic). @default false */
  readonly fromSameGroup?: boolean;
  /** `IPv4` or `IPv6`. @default - from remoteIpPrefix, else IPv4 */
  readonly ethertype?: string;
}

/** Props of an OpenStackSecurityGroup. */
export interface OpenStackSecurityGroupProps extends OpenStackConnectionProps {
  /** The rules; Neutron's allow-all egress rules are kept unless removeDefaultEgress. @default - none */
  readonly rules?: SecurityGroupRule[];
  /** Remove the allow-all egress rules Neutron adds to every group. @default false */
  readonly removeDefaultEgress?: boolean;
  /** The group name. @default - derived from the stack and the node */
  readonly name?: string;
}

/** Props of a lookup of an existing security group. */
export interface OpenStackSecurityGroupLookupProps extends OpenStackConnectionProps {
  /** The group's name or id. */
  readonly nameOrId: string;
}

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'any'];

/** A Neutron security group with its rules; changing the rules updates the group in place. */
export class OpenStackSecurityGroup extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.openstack.SecurityGroup';

  /** True for any OpenStackSecurityGroup, even one made by another copy of this library. */
  public static isOpenStackSecurityGroup(x: any): x is OpenStackSecurityGroup {
    return typeof x === 'object' && x !== null && x[SECURITY_GROUP_BRAND] === true;
  }

  /** An existing security group, by name or id; destroy leaves it in place. */
  public static fromLookup(scope: Construct, id: string, props: OpenStackSecurityGroupLookupProps): OpenStackSecurityGroup {
    const group = new OpenStackSecurityGroup(scope, id, { cloud: props.cloud, region: props.region });
    asLookup(group, props.nameOrId);
    return group;
  }

  private readonly rules: any[] = [];

  constructor(scope: Construct, id: string, props: OpenStackSecurityGroupProps = {}) {
    super(scope, id, { type: OpenStackSecurityGroup.NODE_TYPE });
    Object.defineProperty(this, SECURITY_GROUP_BRAND, { value: true });
    applyConnection(this, props);
    checkString(this, 'name', props.name, { optional: true, nonEmpty: true });
    if (props.name !== undefined) this.setProperty('name', props.name);
    if (props.removeDefaultEgress) this.setProperty('remove_default_egress', true);
    if (props.rules !== undefined && !Array.isArray(props.rules)) throw fail(this, `rules must be a list, got ${describeValue(props.rules)}`);
    (props.rules ?? []).forEach((rule, index) => this.addRule(rule, `rules[${index}]`));
  }

  /** Adds a rule. */
  public addRule(rule: SecurityGroupRule, label = `rules[${this.rules.length}]`): void {
    if (typeof rule !== 'object' || rule === null) throw fail(this, `${label} must be a rule object, got ${describeValue(rule)}`);
    const protocol = rule.protocol ?? 'any';
    if (!PROTOCOLS.includes(protocol)) throw fail(this, `${label}.protocol must be one of ${PROTOCOLS.join(', ')}, got ${describeValue(rule.protocol)}`);
    if (rule.direction !== undefined && !Object.values(RuleDirection).includes(rule.direction)) throw fail(this, `${label}.direction must be RuleDirection.INGRESS or EGRESS, got ${describeValue(rule.direction)}`);
    checkPort(this, `${label}.fromPort`, rule.fromPort);
    checkPort(this, `${label}.toPort`, rule.toPort);
    if ((rule.fromPort !== undefined || rule.toPort !== undefined) && protocol !== 'tcp' && protocol !== 'udp') {
      throw fail(this, `${label}: ports need protocol tcp or udp, got ${describeValue(protocol)}`);
    }
    if (rule.fromPort !== undefined && rule.toPort !== undefined && rule.toPort < rule.fromPort) throw fail(this, `${label}.toPort must be >= fromPort, got ${rule.fromPort}..${rule.toPort}`);
    if (rule.toPort !== undefined && rule.fromPort === undefined) throw fail(this, `${label}.toPort needs fromPort`);
    if (rule.remoteIpPrefix !== undefined) checkCidr(this, `${label}.remoteIpPrefix`, rule.remoteIpPrefix);
    if ([rule.remoteIpPrefix !== undefined, rule.remoteGroupId !== undefined, rule.fromSameGroup === true].filter(Boolean).length > 1) {
      throw fail(this, `${label}: give at most one of remoteIpPrefix, remoteGroupId and fromSameGroup`);
    }
    if (rule.ethertype !== undefined && rule.ethertype !== 'IPv4' && rule.ethertype !== 'IPv6') throw fail(this, `${label}.ethertype must be IPv4 or IPv6, got ${describeValue(rule.ethertype)}`);
    this.rules.push({
      direction: rule.direction ?? RuleDirection.INGRESS,
      protocol,
      ...(rule.fromPort !== undefined ? { port_range_min: rule.fromPort, port_range_max: rule.toPort ?? rule.fromPort } : {}),
      ...(rule.remoteIpPrefix !== undefined ? { remote_ip_prefix: rule.remoteIpPrefix } : {}),
      ...(rule.remoteGroupId !== undefined ? { remote_group_id: rule.remoteGroupId } : {}),
      ...(rule.fromSameGroup ? { remote_group_id: 'self' } : {}),
      ...(rule.ethertype !== undefined ? { ethertype: rule.ethertype } : {}),
    });
    this.setProperty('rules', [...this.rules]);
  }

  /** The group's id, known once it exists. */
  public get groupId(): Ref {
    return this.attr('id');
  }
}
