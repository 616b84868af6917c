import { Construct } from 'constructs';
import { ErrorCode } from './errors';
import { SourceLocation, constructError, creationLocation } from './location';
import { NodeTemplate } from './node-template';
import { checkInstanceCounts } from './validate';

const SCALING_GROUP_BRAND = Symbol.for('hybrid.ScalingGroup');

/** Props of a scaling group. */
export interface ScalingGroupProps {
  /** Node templates that scale together as one unit (e.g. a VM, its port and floating IP). */
  readonly members: NodeTemplate[];
  /** Units created on deploy. @default 1 */
  readonly defaultInstances?: number;
  /** The fewest units `hybrid scale` allows. @default 0 */
  readonly minInstances?: number;
  /** The most units `hybrid scale` allows; -1 is unbounded. @default -1 */
  readonly maxInstances?: number;
}

/**
 * Several node templates that scale together: one `groups` entry plus one
 * `cloudify.policies.scaling` policy. Nodes contained in a member scale with it implicitly.
 */
export class ScalingGroup extends Construct {
  public static isScalingGroup(x: any): x is ScalingGroup {
    return typeof x === 'object' && x !== null && x[SCALING_GROUP_BRAND] === true;
  }

  public readonly groupName: string;
  public readonly members: NodeTemplate[];
  public readonly defaultInstances: number;
  public readonly minInstances: number;
  public readonly maxInstances: number;
  public readonly location: SourceLocation;

  constructor(scope: Construct, id: string, props: ScalingGroupProps) {
    super(scope, id);
    this.location = creationLocation(new.target);
    const fail = (message: string) => constructError(ErrorCode.InvalidProps, this, message, this.location);
    if (!/^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/.test(id)) throw fail(`scaling group id must be lowercase letters, digits, '-' and '_', got ${JSON.stringify(id)}`);
    if (!props.members || props.members.length === 0) throw fail('members must name at least one node template');
    for (const member of props.members) {
      if (!NodeTemplate.isNodeTemplate(member)) throw fail('every member must be a NodeTemplate');
    }
    this.groupName = id;
    this.members = [...props.members];
    this.defaultInstances = props.defaultInstances ?? 1;
    this.minInstances = props.minInstances ?? 0;
    this.maxInstances = props.maxInstances ?? -1;
    checkInstanceCounts(
      fail,
      { default: this.defaultInstances, min: this.minInstances, max: this.maxInstances },
      { default: 'defaultInstances', min: 'minInstances', max: 'maxInstances' },
    );
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(ScalingGroup.prototype, SCALING_GROUP_BRAND, { value: true });
