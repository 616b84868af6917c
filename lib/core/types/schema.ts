/**
 * Node and relationship type definitions in Cloudify DSL's own shape (snake_case keys), so the
 * catalogue renders into a types file as is and the engine reads either form the same way.
 */

/** A property's schema in a node or relationship type. */
export interface PropertySchema {
  readonly type?: string;
  readonly default?: any;
  readonly required?: boolean;
  readonly description?: string;
}

/** An operation as a type declares it (implementation plus input schema). */
export interface OperationDefinition {
  readonly implementation?: string;
  readonly inputs?: { [name: string]: PropertySchema };
  readonly executor?: string;
  readonly max_retries?: number;
  readonly retry_interval?: number;
  readonly timeout?: number;
}

export interface NodeTypeDefinition {
  readonly derived_from?: string;
  readonly description?: string;
  readonly properties?: { [name: string]: PropertySchema };
  readonly interfaces?: { [interfaceName: string]: { [operationName: string]: OperationDefinition | string } };
}

export interface RelationshipTypeDefinition {
  readonly derived_from?: string;
  readonly description?: string;
  readonly properties?: { [name: string]: PropertySchema };
  readonly source_interfaces?: { [interfaceName: string]: { [operationName: string]: OperationDefinition | string } };
  readonly target_interfaces?: { [interfaceName: string]: { [operationName: string]: OperationDefinition | string } };
}

export interface PluginDefinition {
  readonly executor: 'central_deployment_agent' | 'host_agent';
  readonly install?: boolean;
  readonly package_name?: string;
  readonly package_version?: string;
}

/** A group of type definitions, as one types file holds them. */
export interface TypesDocument {
  readonly node_types?: { [name: string]: NodeTypeDefinition };
  readonly relationships?: { [name: string]: RelationshipTypeDefinition };
  readonly plugins?: { [name: string]: PluginDefinition };
}

export const LIFECYCLE = 'cloudify.interfaces.lifecycle';
export const RELATIONSHIP_LIFECYCLE = 'cloudify.interfaces.relationship_lifecycle';
export const VALIDATION = 'cloudify.interfaces.validation';

/** A node type with its ancestry resolved: every inherited property and operation merged in. */
export interface ResolvedNodeType {
  readonly name: string;
  /** This type first, then its ancestors up to the root. */
  readonly ancestry: ReadonlyArray<string>;
  readonly properties: { readonly [name: string]: PropertySchema };
  readonly interfaces: { readonly [interfaceName: string]: { readonly [operationName: string]: OperationDefinition } };
}

export interface ResolvedRelationshipType {
  readonly name: string;
  readonly ancestry: ReadonlyArray<string>;
  readonly properties: { readonly [name: string]: PropertySchema };
  readonly source_interfaces: { readonly [interfaceName: string]: { readonly [operationName: string]: OperationDefinition } };
  readonly target_interfaces: { readonly [interfaceName: string]: { readonly [operationName: string]: OperationDefinition } };
}

type Interfaces = { [interfaceName: string]: { [operationName: string]: OperationDefinition | string } };

function normalizeOperation(operation: OperationDefinition | string): OperationDefinition {
  return typeof operation === 'string' ? { implementation: operation } : operation;
}

/** Merges interfaces per operation: a derived type's operation replaces the inherited one whole. */
function mergeInterfaces(base: Interfaces | undefined, derived: Interfaces | undefined) {
  const result: { [interfaceName: string]: { [operationName: string]: OperationDefinition } } = {};
  for (const source of [base, derived]) {
    for (const [interfaceName, operations] of Object.entries(source ?? {})) {
      const target = (result[interfaceName] ??= {});
      for (const [operationName, operation] of Object.entries(operations ?? {})) target[operationName] = normalizeOperation(operation);
    }
  }
  return result;
}

/** Looks up node and relationship types and resolves their inheritance. */
export class TypeCatalogue {
  private readonly nodeTypes = new Map<string, NodeTypeDefinition>();
  private readonly relationshipTypes = new Map<string, RelationshipTypeDefinition>();
  private readonly pluginDefinitions = new Map<string, PluginDefinition>();
  private readonly resolvedNodes = new Map<string, ResolvedNodeType>();
  private readonly resolvedRelationships = new Map<string, ResolvedRelationshipType>();

  /** Adds every definition of a types document; a name defined twice is an error. */
  public add(document: TypesDocument, origin: string): this {
    const addAll = <T>(target: Map<string, T>, entries: { [name: string]: T } | undefined, kind: string) => {
      for (const [name, definition] of Object.entries(entries ?? {})) {
        if (target.has(name)) throw new Error(`${kind} '${name}' is defined twice (again in ${origin})`);
        target.set(name, definition);
      }
    };
    addAll(this.nodeTypes, document.node_types, 'node type');
    addAll(this.relationshipTypes, document.relationships, 'relationship type');
    addAll(this.pluginDefinitions, document.plugins, 'plugin');
    this.resolvedNodes.clear();
    this.resolvedRelationships.clear();
    return this;
  }

  /** A copy that can take more definitions without changing this one. */
  public clone(): TypeCatalogue {
    const copy = new TypeCatalogue();
    copy.add({ node_types: Object.fromEntries(this.nodeTypes), relationships: Object.fromEntries(this.relationshipTypes), plugins: Object.fromEntries(this.pluginDefinitions) }, 'clone');
    return copy;
  }

  public hasNodeType(name: string): boolean {
    return this.nodeTypes.has(name);
  }

  public hasRelationshipType(name: string): boolean {
    return this.relationshipTypes.has(name);
  }

  public hasPlugin(name: string): boolean {
    return this.pluginDefinitions.has(name);
  }

  public nodeTypeNames(): string[] {
    return [...this.nodeTypes.keys()];
  }

  public nodeTypeDefinition(name: string): NodeTypeDefinition | undefined {
    return this.nodeTypes.get(name);
  }

  public relationshipTypeDefinition(name: string): RelationshipTypeDefinition | undefined {
    return this.relationshipTypes.get(name);
  }

  public plugins(): { [name: string]: PluginDefinition } {
    return Object.fromEntries(this.pluginDefinitions);
  }

  /** The node type with inherited properties and operations; throws for an unknown type or a cycle. */
  public nodeType(name: string): ResolvedNodeType {
    const cached = this.resolvedNodes.get(name);
    if (cached) return cached;
    const ancestry = this.ancestry(name, this.nodeTypes, 'node type');
    let properties: { [name: string]: PropertySchema } = {};
    let interfaces: Interfaces = {};
    for (const typeName of [...ancestry].reverse()) {
      const definition = this.nodeTypes.get(typeName)!;
      properties = { ...properties, ...(definition.properties ?? {}) };
      interfaces = mergeInterfaces(interfaces, definition.interfaces);
    }
    const resolved: ResolvedNodeType = { name, ancestry, properties, interfaces: interfaces as ResolvedNodeType['interfaces'] };
    this.resolvedNodes.set(name, resolved);
    return resolved;
  }

  /** The relationship type with inherited properties and operations. */
  public relationshipType(name: string): ResolvedRelationshipType {
    const cached = this.resolvedRelationships.get(name);
    if (cached) return cached;
    const ancestry = this.ancestry(name, this.relationshipTypes, 'relationship type');
    let properties: { [name: string]: PropertySchema } = {};
    let source: Interfaces = {};
    let target: Interfaces = {};
    for (const typeName of [...ancestry].reverse()) {
      const definition = this.relationshipTypes.get(typeName)!;
      properties = { ...properties, ...(definition.properties ?? {}) };
      source = mergeInterfaces(source, definition.source_interfaces);
      target = mergeInterfaces(target, definition.target_interfaces);
    }
    const resolved: ResolvedRelationshipType = {
      name, ancestry, properties,
      source_interfaces: source as ResolvedRelationshipType['source_interfaces'],
      target_interfaces: target as ResolvedRelationshipType['target_interfaces'],
    };
    this.resolvedRelationships.set(name, resolved);
    return resolved;
  }

  /** True when `name` is `ancestor` or derives from it. */
  public nodeTypeDerivesFrom(name: string, ancestor: string): boolean {
    return this.nodeType(name).ancestry.includes(ancestor);
  }

  public relationshipDerivesFrom(name: string, ancestor: string): boolean {
    return this.relationshipType(name).ancestry.includes(ancestor);
  }

  private ancestry<T extends { derived_from?: string }>(name: string, definitions: Map<string, T>, kind: string): string[] {
    const chain: string[] = [];
    let current: string | undefined = name;
    while (current !== undefined) {
      if (chain.includes(current)) throw new Error(`${kind} '${name}' derives from itself: ${[...chain, current].join(' -> ')}`);
      const definition = definitions.get(current);
      if (!definition) {
        throw new Error(chain.length === 0 ? `unknown ${kind} '${name}'` : `${kind} '${chain[chain.length - 1]}' derives from unknown ${kind} '${current}'`);
      }
      chain.push(current);
      current = definition.derived_from;
    }
    return chain;
  }
}
