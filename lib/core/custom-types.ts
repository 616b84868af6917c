import { Construct } from 'constructs';
import { ErrorCode } from './errors';
import { SourceLocation, constructError, creationLocation } from './location';
import { NodeTypeDefinition, OperationDefinition, PropertySchema, RelationshipTypeDefinition } from './types/schema';

const NODE_TYPE_BRAND = Symbol.for('hybrid.NodeType');
const RELATIONSHIP_TYPE_BRAND = Symbol.for('hybrid.RelationshipType');
const TYPE_NAME = /^[A-Za-z][\w.-]*$/;
/** Property types Cloudify DSL knows without a data type (cloudify-dsl.md §1.2). */
const PROPERTY_TYPES = ['string', 'integer', 'float', 'boolean', 'list', 'dict', 'regex', 'textarea'];

/** An operation as a node or relationship type declares it: implementation and input schema. */
export interface TypeOperationProps {
  /** A provider operation (`hybrid.local.command.create`); empty means no-op. @default - no-op */
  readonly implementation?: string;
  /** The inputs the operation takes, with types and defaults. @default - none */
  readonly inputs?: { [name: string]: PropertySchema };
  /** `central_deployment_agent` or `host_agent`. @default - the plugin's executor */
  readonly executor?: string;
  /** Retries for recoverable failures; -1 retries forever. @default - the engine's default */
  readonly maxRetries?: number;
  /** Seconds between retries. @default - the engine's default */
  readonly retryInterval?: number;
  /** Seconds before the operation times out. @default - the engine's default */
  readonly timeout?: number;
}

/** Operations by interface name, then operation name; a string is a bare implementation. */
type InterfacesProps = { [interfaceName: string]: { [operationName: string]: TypeOperationProps | string } };

/** Props of a node type the program defines. */
export interface NodeTypeProps {
  /** The full type name, e.g. `acme.nodes.Cache`. Must not start with `cloudify.` or `hybrid.`. */
  readonly name: string;
  /** The parent type. @default 'cloudify.nodes.Root' */
  readonly derivedFrom?: string;
  /** The properties templates of this type may set, with types, defaults and `required`. @default - none */
  readonly properties?: { [name: string]: PropertySchema };
  /**
   * Operations by interface, e.g. `{ 'cloudify.interfaces.lifecycle': { create: 'hybrid.local.command.create' } }`.
   * @default - the parent type's
   */
  readonly interfaces?: { [interfaceName: string]: { [operationName: string]: TypeOperationProps | string } };
}

/** Props of a relationship type the program defines. */
export interface RelationshipTypeProps {
  /** The full type name, e.g. `acme.relationships.joins`. */
  readonly name: string;
  /** The parent type; must derive from `cloudify.relationships.depends_on`. @default 'cloudify.relationships.connected_to' */
  readonly derivedFrom?: string;
  /** Relationship properties with types and defaults. @default - none */
  readonly properties?: { [name: string]: PropertySchema };
  /** Operations that run on the source node, by interface. @default - the parent type's */
  readonly sourceInterfaces?: { [interfaceName: string]: { [operationName: string]: TypeOperationProps | string } };
  /** Operations that run on the target node, by interface. @default - the parent type's */
  readonly targetInterfaces?: { [interfaceName: string]: { [operationName: string]: TypeOperationProps | string } };
}

function checkTypeName(scope: Construct, location: SourceLocation, name: string, what: string): void {
  if (typeof name !== 'string' || !TYPE_NAME.test(name) || name.startsWith('cloudify.') || name.startsWith('hybrid.')) {
    throw constructError(
      ErrorCode.InvalidProps,
      scope,
      `${what} name must be letters, digits, '.', '_' and '-' and must not start with 'cloudify.' or 'hybrid.', got ${JSON.stringify(name)}`,
      location,
    );
  }
}

function checkProperties(scope: Construct, location: SourceLocation, properties: { [name: string]: PropertySchema } | undefined): void {
  for (const [name, schema] of Object.entries(properties ?? {})) {
    if (typeof schema !== 'object' || schema === null) {
      throw constructError(ErrorCode.InvalidProps, scope, `property '${name}' needs a schema object ({ type, default, required, description }), got ${JSON.stringify(schema)}`, location);
    }
    if (schema.type !== undefined && !PROPERTY_TYPES.includes(schema.type)) {
      throw constructError(ErrorCode.InvalidProps, scope, `property '${name}' has type ${JSON.stringify(schema.type)}; expected one of ${PROPERTY_TYPES.join(', ')}`, location);
    }
  }
}

/** Camel-case type operations → Cloudify DSL's operation shape. */
function toInterfacesDefinition(interfaces: InterfacesProps | undefined) {
  if (!interfaces) return undefined;
  const result: { [interfaceName: string]: { [operationName: string]: OperationDefinition | string } } = {};
  for (const [interfaceName, operations] of Object.entries(interfaces)) {
    result[interfaceName] = {};
    for (const [operationName, operation] of Object.entries(operations)) {
      result[interfaceName][operationName] =
        typeof operation === 'string'
          ? operation
          : {
              ...(operation.implementation !== undefined ? { implementation: operation.implementation } : {}),
              ...(operation.inputs ? { inputs: operation.inputs } : {}),
              ...(operation.executor !== undefined ? { executor: operation.executor } : {}),
              ...(operation.maxRetries !== undefined ? { max_retries: operation.maxRetries } : {}),
              ...(operation.retryInterval !== undefined ? { retry_interval: operation.retryInterval } : {}),
              ...(operation.timeout !== undefined ? { timeout: operation.timeout } : {}),
            };
    }
  }
  return result;
}

/** A node type that the program defines; it is written into the blueprint's `node_types`. */
export class NodeType extends Construct {
  public static isNodeType(x: any): x is NodeType {
    return typeof x === 'object' && x !== null && x[NODE_TYPE_BRAND] === true;
  }

  public readonly typeName: string;
  public readonly location: SourceLocation;
  private readonly definition: NodeTypeDefinition;

  constructor(scope: Construct, id: string, props: NodeTypeProps) {
    super(scope, id);
    this.location = creationLocation(new.target);
    checkTypeName(this, this.location, props.name, 'node type');
    checkProperties(this, this.location, props.properties);
    this.typeName = props.name;
    const interfaces = toInterfacesDefinition(props.interfaces);
    this.definition = {
      derived_from: props.derivedFrom ?? 'cloudify.nodes.Root',
      ...(props.properties ? { properties: props.properties } : {}),
      ...(interfaces ? { interfaces } : {}),
    };
  }

  /** The definition in Cloudify DSL's shape (`derived_from`, `properties`, `interfaces`). */
  public toBlueprint(): any {
    return this.definition;
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(NodeType.prototype, NODE_TYPE_BRAND, { value: true });

/** A relationship type that the program defines; written into the blueprint's `relationships`. */
export class RelationshipType extends Construct {
  public static isRelationshipType(x: any): x is RelationshipType {
    return typeof x === 'object' && x !== null && x[RELATIONSHIP_TYPE_BRAND] === true;
  }

  public readonly typeName: string;
  public readonly location: SourceLocation;
  private readonly definition: RelationshipTypeDefinition;

  constructor(scope: Construct, id: string, props: RelationshipTypeProps) {
    super(scope, id);
    this.location = creationLocation(new.target);
    checkTypeName(this, this.location, props.name, 'relationship type');
    checkProperties(this, this.location, props.properties);
    this.typeName = props.name;
    const source = toInterfacesDefinition(props.sourceInterfaces);
    const target = toInterfacesDefinition(props.targetInterfaces);
    this.definition = {
      derived_from: props.derivedFrom ?? 'cloudify.relationships.connected_to',
      ...(props.properties ? { properties: props.properties } : {}),
      ...(source ? { source_interfaces: source } : {}),
      ...(target ? { target_interfaces: target } : {}),
    };
  }

  /** The definition in Cloudify DSL's shape (`derived_from`, `properties`, `source_interfaces`, ...). */
  public toBlueprint(): any {
    return this.definition;
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(RelationshipType.prototype, RELATIONSHIP_TYPE_BRAND, { value: true });
