import { Construct, IConstruct } from 'constructs';
import { ErrorCode, HybridError } from './errors';
import { SourceLocation, constructError, creationLocation } from './location';
import { OperationProps, OperationSpec, toOperationSpec } from './operation';
import { AttributeRef, PropertyRef, Ref } from './refs';
import { checkInstanceCounts } from './validate';

const NODE_TEMPLATE_BRAND = Symbol.for('hybrid.NodeTemplate');

/** The `scalable` capability: how many instances of a node template exist. */
export interface InstancesProps {
  /** Instances created on deploy. @default 1 */
  readonly default?: number;
  /** The fewest instances `hybrid scale` allows. @default 0 */
  readonly min?: number;
  /** The most instances `hybrid scale` allows; -1 is unbounded. @default -1 */
  readonly max?: number;
}

/** Props of a node template (L1): any node type, its properties and operations. */
export interface NodeTemplateProps {
  /** The node type, e.g. `hybrid.nodes.local.File` or a type the program defines with NodeType. */
  readonly type: string;
  /** Property values; any value may be or contain a Ref. @default - none */
  readonly properties?: { [name: string]: any };
  /**
   * Operations that override or add to the type's, by interface then operation name,
   * e.g. `{ 'cloudify.interfaces.lifecycle': { create: { implementation: ... } } }`.
   * @default - the type's operations
   */
  readonly interfaces?: { [interfaceName: string]: { [operationName: string]: OperationProps | string } };
  /** How many instances to create. @default - one instance */
  readonly instances?: InstancesProps;
  /**
   * The node template name in the blueprint. Changing it replaces the node.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

/** Operations on one side of a relationship, by operation name (`preconfigure`, `establish`, ...). */
export interface RelationshipOperations {
  readonly preconfigure?: OperationProps;
  readonly postconfigure?: OperationProps;
  readonly establish?: OperationProps;
  readonly unlink?: OperationProps;
}

/** Operations of a `connectTo` relationship, by the side they run on. */
export interface ConnectToOptions {
  /** Operations that run on this node's side. @default - none */
  readonly source?: RelationshipOperations;
  /** Operations that run on the target's side. @default - none */
  readonly target?: RelationshipOperations;
}

/** A relationship from this node to a target node. */
export interface RelationshipProps {
  /** Relationship type, derived from `cloudify.relationships.depends_on`. */
  readonly type: string;
  /** The target node template (installed before this one). */
  readonly target: NodeTemplate;
  /** Relationship properties. @default - none */
  readonly properties?: { [name: string]: any };
  /** Operations that run on the source side. @default - the type's */
  readonly sourceOperations?: RelationshipOperations;
  /** Operations that run on the target side. @default - the type's */
  readonly targetOperations?: RelationshipOperations;
}

/** A relationship as stored on the node (operations already normalized). */
export interface RelationshipSpec {
  readonly type: string;
  readonly target: NodeTemplate;
  readonly properties?: { [name: string]: any };
  readonly sourceOperations?: { [name: string]: OperationSpec };
  readonly targetOperations?: { [name: string]: OperationSpec };
  readonly location: SourceLocation;
}

export const CONTAINED_IN = 'cloudify.relationships.contained_in';
export const CONNECTED_TO = 'cloudify.relationships.connected_to';
export const DEPENDS_ON = 'cloudify.relationships.depends_on';

const NODE_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;
const RELATIONSHIP_OPERATIONS = ['preconfigure', 'postconfigure', 'establish', 'unlink'];

/**
 * A node template (L1): one entry under `node_templates`. Typed constructs build on it; use it
 * directly for any node type the typed constructs do not cover.
 */
export class NodeTemplate extends Construct {
  /** True for any NodeTemplate, even one made by another copy of this library. */
  public static isNodeTemplate(x: any): x is NodeTemplate {
    return typeof x === 'object' && x !== null && x[NODE_TEMPLATE_BRAND] === true;
  }

  public readonly type: string;
  /** An explicit name, when the program gave one. */
  public readonly explicitName?: string;
  public readonly location: SourceLocation;
  private readonly _properties: { [name: string]: any };
  private readonly _interfaces: { [interfaceName: string]: { [operationName: string]: OperationSpec } } = {};
  private readonly _relationships: RelationshipSpec[] = [];
  private _instances?: InstancesProps;

  constructor(scope: Construct, id: string, props: NodeTemplateProps) {
    super(scope, id);
    this.location = creationLocation(new.target);
    if (typeof props.type !== 'string' || !/^[A-Za-z][\w.-]*$/.test(props.type)) {
      throw this.invalid(`type must be a node type name like 'hybrid.nodes.local.File', got ${JSON.stringify(props.type)}`);
    }
    if (props.name !== undefined && !NODE_NAME.test(props.name)) {
      throw this.invalid(`name must be lowercase letters, digits, '-' and '_' (at most 63, starting and ending with a letter or digit), got ${JSON.stringify(props.name)}`);
    }
    this.type = props.type;
    this.explicitName = props.name;
    this._properties = { ...(props.properties ?? {}) };
    for (const [interfaceName, operations] of Object.entries(props.interfaces ?? {})) {
      for (const [operationName, operation] of Object.entries(operations)) {
        this.addOperation(interfaceName, operationName, operation);
      }
    }
    if (props.instances) this.configureInstances(props.instances);
  }

  /** Property values as given (they may hold Refs). */
  public get properties(): { readonly [name: string]: any } {
    return this._properties;
  }

  /** Operation overrides, by interface and operation name. */
  public get interfaces(): { readonly [interfaceName: string]: { readonly [operationName: string]: OperationSpec } } {
    return this._interfaces;
  }

  /** Relationships in declaration order. */
  public get relationships(): RelationshipSpec[] {
    return [...this._relationships];
  }

  /** The scalable capability, when set. */
  public get instances(): InstancesProps | undefined {
    return this._instances;
  }

  /** Sets (or replaces) a property value. */
  public setProperty(name: string, value: any): void {
    this._properties[name] = value;
  }

  /** Adds or overrides one operation. */
  public addOperation(interfaceName: string, operationName: string, operation: OperationProps | string): void {
    const spec = toOperationSpec(operation, `${this.node.path} operation ${interfaceName}.${operationName}`);
    (this._interfaces[interfaceName] ??= {})[operationName] = spec;
  }

  /** Sets (or replaces) how many instances of this node exist. */
  public configureInstances(instances: InstancesProps): void {
    const initial = instances.default ?? 1;
    const min = instances.min ?? 0;
    const max = instances.max ?? -1;
    checkInstanceCounts(this, { default: initial, min, max }, { default: 'instances.default', min: 'instances.min', max: 'instances.max' });
    this._instances = { default: initial, min, max };
  }

  /** A runtime attribute of this node's instance (`get_attribute`). */
  public attr(attribute: string, ...path: Array<string | number>): Ref {
    return new AttributeRef(this, attribute, path);
  }

  /** A property of this node template (`get_property`). */
  public prop(property: string, ...path: Array<string | number>): Ref {
    return new PropertyRef(this, property, path);
  }

  // The built-in relationship helpers report errors at the node's location: capturing a second
  // stack per relationship would double the cost of large programs (bench/synth).

  /** Installs `target` before this node (`cloudify.relationships.depends_on`). */
  public dependsOn(target: NodeTemplate): void {
    this.relate({ type: DEPENDS_ON, target }, this.location);
  }

  /** A runtime connection to `targetNode` (`cloudify.relationships.connected_to`). */
  public connectTo(targetNode: NodeTemplate, operations: ConnectToOptions = {}): void {
    this.relate({ type: CONNECTED_TO, target: targetNode, sourceOperations: operations.source, targetOperations: operations.target }, this.location);
  }

  /** Places this node on `host` (`cloudify.relationships.contained_in`); one host per node. */
  public containedIn(host: NodeTemplate): void {
    this.relate({ type: CONTAINED_IN, target: host }, this.location);
  }

  /** Adds a relationship of any type, with optional source and target operations. */
  public addRelationship(props: RelationshipProps): void {
    this.relate(props, SourceLocation.capture());
  }

  private relate(props: RelationshipProps, location: SourceLocation): void {
    if (typeof props.type !== 'string' || !/^[A-Za-z][\w.-]*$/.test(props.type)) {
      throw this.invalid(`relationship type must be a type name like '${CONNECTED_TO}', got ${JSON.stringify(props.type)}`);
    }
    if (!NodeTemplate.isNodeTemplate(props.target)) {
      throw this.invalid(`relationship target must be a NodeTemplate, got ${describeConstruct(props.target)}`);
    }
    if (props.target === this) throw this.invalid(`a node cannot have a relationship to itself (${props.type})`);
    if (props.type === CONTAINED_IN && this._relationships.some((r) => r.type === CONTAINED_IN)) {
      const existing = this._relationships.find((r) => r.type === CONTAINED_IN)!;
      throw this.invalid(`is already contained in ${existing.target.node.path}; a node has at most one host (contained_in)`);
    }
    const normalize = (side: string, operations?: RelationshipOperations) => {
      if (!operations) return undefined;
      const result: { [name: string]: OperationSpec } = {};
      for (const [name, operation] of Object.entries(operations)) {
        if (!RELATIONSHIP_OPERATIONS.includes(name)) {
          throw this.invalid(`${side} operation '${name}' is not a relationship operation; expected one of ${RELATIONSHIP_OPERATIONS.join(', ')}`);
        }
        if (operation) result[name] = toOperationSpec(operation as OperationProps, `${this.node.path} ${side} operation ${name}`);
      }
      return result;
    };
    this._relationships.push({
      type: props.type,
      target: props.target,
      properties: props.properties,
      sourceOperations: normalize('source', props.sourceOperations),
      targetOperations: normalize('target', props.targetOperations),
      location,
    });
  }

  // Not a public method: jsii cannot export HybridError (it extends Error), see invalidProps().
  private invalid(message: string): HybridError {
    return invalidProps(this, message);
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(NodeTemplate.prototype, NODE_TEMPLATE_BRAND, { value: true });

/** An InvalidProps error naming a node template and where the program created it. */
export function invalidProps(node: NodeTemplate, message: string): HybridError {
  return constructError(ErrorCode.InvalidProps, node, message, node.location);
}

function describeConstruct(x: unknown): string {
  if (typeof x === 'object' && x !== null && 'node' in x) return (x as IConstruct).node.path;
  return typeof x;
}
