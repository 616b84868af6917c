import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkString, checkWhole } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection, asLookup } from './connection';
import { fail } from './validate';

const SERVER_GROUP_BRAND = Symbol.for('hybrid.OpenStackServerGroup');

/** How Nova's scheduler places the servers of a group. */
export enum OpenStackServerGroupPolicy {
  /** Each server on another compute host; a server that no host can take fails to build. */
  ANTI_AFFINITY = 'anti-affinity',
  /** All servers on one compute host; a server that host cannot take fails to build. */
  AFFINITY = 'affinity',
  /** Spread over compute hosts as far as they allow (compute microversion 2.15). */
  SOFT_ANTI_AFFINITY = 'soft-anti-affinity',
  /** Together on one compute host as far as it allows (compute microversion 2.15). */
  SOFT_AFFINITY = 'soft-affinity',
}

/** Props of an OpenStackServerGroup. */
export interface OpenStackServerGroupProps extends OpenStackConnectionProps {
  /** How the group's servers are placed. @default OpenStackServerGroupPolicy.SOFT_ANTI_AFFINITY */
  readonly policy?: OpenStackServerGroupPolicy;
  /**
   * With ANTI_AFFINITY, how many of the group's servers one compute host may take (compute
   * microversion 2.64). @default 1
   */
  readonly maxServersPerHost?: number;
  /** The group name. @default - derived from the stack and the node */
  readonly name?: string;
}

/** Props of a lookup of an existing server group. */
export interface OpenStackServerGroupLookupProps extends OpenStackConnectionProps {
  /** The group's name or id. */
  readonly nameOrId: string;
}

/**
 * A Nova server group: servers given it (`OpenStackServer`'s `serverGroup`) are placed by its
 * policy, such as Kubernetes workers spread over compute hosts so that one host's failure takes
 * out one worker. Nova cannot change a group: a new policy replaces it (and its servers, which
 * name it).
 */
export class OpenStackServerGroup extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.openstack.ServerGroup';

  /** True for any OpenStackServerGroup, even one made by another copy of this library. */
  public static isOpenStackServerGroup(x: any): x is OpenStackServerGroup {
    return typeof x === 'object' && x !== null && x[SERVER_GROUP_BRAND] === true;
  }

  /** An existing server group, by name or id; destroy leaves it in place. */
  public static fromLookup(scope: Construct, id: string, props: OpenStackServerGroupLookupProps): OpenStackServerGroup {
    const group = new OpenStackServerGroup(scope, id, { cloud: props.cloud, region: props.region });
    asLookup(group, props.nameOrId);
    return group;
  }

  constructor(scope: Construct, id: string, props: OpenStackServerGroupProps = {}) {
    super(scope, id, { type: OpenStackServerGroup.NODE_TYPE });
    applyConnection(this, props);
    const policy = props.policy ?? OpenStackServerGroupPolicy.SOFT_ANTI_AFFINITY;
    if (!Object.values(OpenStackServerGroupPolicy).includes(policy)) {
      throw fail(this, `policy must be one of ${Object.values(OpenStackServerGroupPolicy).join(', ')}, got ${describeValue(props.policy)}`);
    }
    checkWhole(this, 'maxServersPerHost', props.maxServersPerHost, 1, undefined, { refs: false });
    if (props.maxServersPerHost !== undefined && policy !== OpenStackServerGroupPolicy.ANTI_AFFINITY) {
      throw fail(this, `maxServersPerHost is for the ANTI_AFFINITY policy, but the policy is ${policy}`);
    }
    checkString(this, 'name', props.name, { optional: true, nonEmpty: true });
    this.setProperty('policy', policy);
    if (props.maxServersPerHost !== undefined) this.setProperty('max_servers_per_host', props.maxServersPerHost);
    if (props.name !== undefined) this.setProperty('name', props.name);
  }

  /** The group's id (what servers are given as their `group` scheduler hint). */
  public get groupId(): Ref {
    return this.attr('id');
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(OpenStackServerGroup.prototype, SERVER_GROUP_BRAND, { value: true });
