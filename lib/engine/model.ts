import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ErrorCode, HybridError } from '../core/errors';
import { CLOUDIFY_TYPES, CLOUDIFY_TYPES_IMPORT, HYBRID_TYPES_FILE, LIFECYCLE, RELATIONSHIP_LIFECYCLE, TypeCatalogue, VALIDATION, hybridTypesDocument } from '../core/types';
import type { BlueprintDocument, NodeTemplateDocument, OperationDocument } from '../../synth/blueprint';

/** An operation ready to dispatch: implementation plus raw (unevaluated) inputs. */
export interface ModelOperation {
  readonly implementation: string;
  readonly inputs?: { [name: string]: any };
  readonly max_retries?: number;
  readonly retry_interval?: number;
  readonly timeout?: number;
}

export interface ModelRelationship {
  readonly type: string;
  readonly typeHierarchy: ReadonlyArray<string>;
  readonly target: string;
  readonly properties: { [name: string]: any };
  readonly connectionType: 'all_to_all' | 'all_to_one';
  readonly source: { [operation: string]: ModelOperation };
  readonly targetSide: { [operation: string]: ModelOperation };
}

export interface ModelNode {
  readonly name: string;
  readonly type: string;
  readonly typeHierarchy: ReadonlyArray<string>;
  readonly template: NodeTemplateDocument;
  /** Template properties over type defaults; intrinsic functions not yet evaluated. */
  readonly properties: { [name: string]: any };
  /** Non-empty lifecycle operations by short name, plus `check_status` from validation. */
  readonly operations: { [operation: string]: ModelOperation };
  /** Operations of the other interfaces by full name (`maintenance.rotate_logs`), for execute-operation. */
  readonly otherOperations?: { [fullName: string]: ModelOperation };
  readonly relationships: ReadonlyArray<ModelRelationship>;
  /** The node this one is contained in. */
  readonly host?: string;
  readonly scalable: { readonly default: number; readonly min: number; readonly max: number };
  /** The scaling group it belongs to (directly, or through its host). */
  readonly group?: string;
  readonly constructPath?: string;
}

export interface ModelGroup {
  readonly name: string;
  readonly members: ReadonlyArray<string>;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The full name of an operation a ModelNode holds: lifecycle operations and `check_status` are
 * held by short name, the other interfaces' by full name already.
 */
export function operationFullName(name: string): string {
  if (name === 'check_status') return `${VALIDATION}.check_status`;
  return name.includes('.') ? name : `${LIFECYCLE}.${name}`;
}

/** The operation a node defines under a full name (`cloudify.interfaces.lifecycle.start`, `maintenance.rotate_logs`), if any. */
export function nodeOperation(node: ModelNode, fullName: string): ModelOperation | undefined {
  if (fullName.startsWith(`${LIFECYCLE}.`)) return node.operations[fullName.slice(LIFECYCLE.length + 1)];
  if (fullName === `${VALIDATION}.check_status`) return node.operations.check_status;
  return node.otherOperations?.[fullName];
}

/** A blueprint with its types resolved: what the planner works from. */
export interface DeploymentModel {
  readonly stack: string;
  readonly blueprint: BlueprintDocument;
  /** Where scripts named by relative path are found: the blueprint's directory. */
  readonly baseDirectory: string;
  /**
   * Where relative paths in properties resolve for providers: the program's directory when the
   * blueprint came from a program, else the blueprint's directory.
   */
  readonly workingDirectory: string;
  readonly digest: string;
  readonly catalogue: TypeCatalogue;
  readonly nodes: ReadonlyMap<string, ModelNode>;
  readonly groups: ReadonlyMap<string, ModelGroup>;
}

/** Reads a blueprint file and the files it imports. */
export function loadBlueprintFile(file: string): { blueprint: BlueprintDocument; catalogue: TypeCatalogue; baseDirectory: string } {
  const baseDirectory = path.dirname(path.resolve(file));
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new HybridError(ErrorCode.InvalidBlueprint, `cannot read the blueprint ${file}: ${(error as Error).message}`, { cause: error });
  }
  const blueprint = parseYaml(text, file) as BlueprintDocument;
  return { blueprint, catalogue: catalogueForImports(blueprint, baseDirectory, file), baseDirectory };
}

function parseYaml(text: string, file: string): any {
  let document: any;
  try {
    document = yaml.load(text, { filename: file });
  } catch (error) {
    const mark = (error as any).mark;
    throw new HybridError(ErrorCode.InvalidBlueprint, `${file}${mark ? `:${mark.line + 1}:${mark.column + 1}` : ''}: not valid YAML: ${(error as any).reason ?? (error as Error).message}`, { cause: error });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new HybridError(ErrorCode.InvalidBlueprint, `${file}: a blueprint is a YAML mapping with tosca_definitions_version and node_templates`);
  }
  return document;
}

/**
 * The types a blueprint can use: Cloudify's built-in types (from hybrid's copy), the hybrid types
 * file (from disk if present, else hybrid's own), other imported files from disk, and the
 * blueprint's own node_types and relationships.
 */
export function catalogueForImports(blueprint: BlueprintDocument, baseDirectory: string, origin: string): TypeCatalogue {
  const catalogue = new TypeCatalogue().add(CLOUDIFY_TYPES, CLOUDIFY_TYPES_IMPORT);
  let hybridTypesAdded = false;
  const visited = new Set<string>();
  const addImports = (imports: unknown, directory: string, from: string) => {
    if (imports === undefined) return;
    if (!Array.isArray(imports)) throw new HybridError(ErrorCode.InvalidBlueprint, `${from}: imports must be a list`);
    for (const entry of imports) {
      if (typeof entry !== 'string') throw new HybridError(ErrorCode.InvalidBlueprint, `${from}: imports entries must be strings, got ${JSON.stringify(entry)}`);
      if (entry === CLOUDIFY_TYPES_IMPORT || /^https?:\/\/.*\/types\.yaml$/.test(entry)) continue;
      if (entry.startsWith('plugin:') || /^https?:|^ftp:/.test(entry)) {
        throw new HybridError(
          ErrorCode.InvalidBlueprint,
          `${from}: import '${entry}' is not available to hybrid's embedded engine; hybrid runs node types from ${HYBRID_TYPES_FILE} and local files`,
        );
      }
      const file = path.resolve(directory, entry);
      if (visited.has(file)) continue;
      visited.add(file);
      if (path.basename(entry) === HYBRID_TYPES_FILE) {
        // The engine's own definitions of hybrid types are authoritative: it implements them.
        if (!hybridTypesAdded) catalogue.add(hybridTypesDocument(), HYBRID_TYPES_FILE);
        hybridTypesAdded = true;
        continue;
      }
      if (!fs.existsSync(file)) throw new HybridError(ErrorCode.InvalidBlueprint, `${from}: imported file ${entry} does not exist (looked at ${file})`);
      const imported = parseYaml(fs.readFileSync(file, 'utf8'), file);
      addImports(imported.imports, path.dirname(file), file);
      wrapTypeErrors(() => catalogue.add(imported, file), file);
    }
  };
  addImports(blueprint.imports, baseDirectory, origin);
  wrapTypeErrors(() => catalogue.add({ node_types: blueprint.node_types, relationships: blueprint.relationships, plugins: blueprint.plugins }, origin), origin);
  return catalogue;
}

function wrapTypeErrors(action: () => void, where: string): void {
  try {
    action();
  } catch (error) {
    if (HybridError.isHybridError(error)) throw error;
    throw new HybridError(ErrorCode.InvalidBlueprint, `${where}: ${(error as Error).message}`, { cause: error });
  }
}

function isEmptyImplementation(operation: unknown): boolean {
  if (operation === undefined || operation === null || operation === '') return true;
  if (typeof operation === 'object') return !(operation as OperationDocument).implementation;
  return false;
}

function toModelOperation(operation: OperationDocument | string, context: OperationResolution, where: string): ModelOperation {
  const spec: OperationDocument = typeof operation === 'string' ? { implementation: operation } : operation;
  const { implementation, inputs, max_retries, retry_interval, timeout } = spec;
  const optional = { ...(max_retries !== undefined ? { max_retries } : {}), ...(retry_interval !== undefined ? { retry_interval } : {}), ...(timeout !== undefined ? { timeout } : {}) };
  const plugin = implementation.split('.')[0];
  if (implementation.includes('.') && context.plugins.has(plugin) && !fs.existsSync(path.resolve(context.baseDirectory, implementation))) {
    return { implementation, ...(inputs ? { inputs } : {}), ...optional };
  }
  // Cloudify's rule: not a declared plugin's operation, so a script relative to the blueprint.
  const scriptPath = path.resolve(context.baseDirectory, implementation);
  if (!fs.existsSync(scriptPath)) {
    throw new HybridError(
      ErrorCode.InvalidBlueprint,
      `${where}: '${implementation}' names neither a declared plugin's operation (${[...context.plugins].join(', ') || 'no plugins declared'}) nor a script next to the blueprint (looked at ${scriptPath})`,
    );
  }
  return { implementation: 'hybrid.local.script.run', inputs: { ...(inputs ?? {}), script_path: scriptPath }, ...optional };
}

interface OperationResolution {
  readonly baseDirectory: string;
  readonly plugins: ReadonlySet<string>;
}

function mergeOperations(
  typeInterfaces: { readonly [interfaceName: string]: { readonly [operationName: string]: any } },
  templateInterfaces: { readonly [interfaceName: string]: { readonly [operationName: string]: any } } | undefined,
  interfaceName: string,
  context: OperationResolution,
  where: string,
): { [operation: string]: ModelOperation } {
  const merged = { ...(typeInterfaces[interfaceName] ?? {}), ...(templateInterfaces?.[interfaceName] ?? {}) };
  const result: { [operation: string]: ModelOperation } = {};
  for (const [name, operation] of Object.entries(merged)) {
    if (!isEmptyImplementation(operation)) result[name] = toModelOperation(operation, context, `${where}.${interfaceName}.${name}`);
  }
  return result;
}

/**
 * Resolves a blueprint into the deployment model: every node with its type's defaults and
 * operations, relationships with their types, hosts, and scaling groups. Validates what the
 * engine relies on and names the blueprint path of each problem.
 */
export function buildModel(blueprint: BlueprintDocument, catalogue: TypeCatalogue, baseDirectory: string, stackName?: string, workingDirectory: string = baseDirectory): DeploymentModel {
  const fail = (where: string, message: string) => new HybridError(ErrorCode.InvalidBlueprint, `${where}: ${message}`, { path: where });
  if (typeof blueprint.tosca_definitions_version !== 'string' || !/^cloudify_dsl_1_[0-5]$/.test(blueprint.tosca_definitions_version)) {
    throw fail('tosca_definitions_version', `must be cloudify_dsl_1_3 .. cloudify_dsl_1_5, got ${JSON.stringify(blueprint.tosca_definitions_version)}`);
  }
  const templates = blueprint.node_templates;
  if (typeof templates !== 'object' || templates === null || Array.isArray(templates)) throw fail('node_templates', 'must be a mapping of node names to templates');
  const constructPaths = blueprint.metadata?.hybrid?.constructs ?? {};
  const resolution: OperationResolution = { baseDirectory, plugins: new Set(Object.keys(catalogue.plugins())) };

  const nodes = new Map<string, ModelNode>();
  for (const [name, template] of Object.entries(templates)) {
    const where = `node_templates.${name}`;
    if (typeof template !== 'object' || template === null) throw fail(where, 'must be a mapping with a type');
    if (typeof template.type !== 'string') throw fail(`${where}.type`, 'is required');
    if (!catalogue.hasNodeType(template.type)) throw fail(`${where}.type`, `unknown node type '${template.type}'`);
    const type = catalogue.nodeType(template.type);
    const properties: { [name: string]: any } = {};
    for (const [property, schema] of Object.entries(type.properties)) if (schema.default !== undefined) properties[property] = schema.default;
    for (const [property, value] of Object.entries(template.properties ?? {})) {
      if (!type.properties[property]) throw fail(`${where}.properties.${property}`, `is not declared by node type '${template.type}'`);
      properties[property] = value;
    }
    const operations = mergeOperations(type.interfaces, template.interfaces as any, LIFECYCLE, resolution, where);
    const validation = mergeOperations(type.interfaces, template.interfaces as any, VALIDATION, resolution, where);
    if (validation.check_status) operations.check_status = validation.check_status;
    const otherOperations: { [fullName: string]: ModelOperation } = {};
    const interfaceNames = new Set([...Object.keys(type.interfaces), ...Object.keys((template.interfaces as object) ?? {})]);
    for (const interfaceName of interfaceNames) {
      if (interfaceName === LIFECYCLE || interfaceName === VALIDATION) continue;
      for (const [operationName, operation] of Object.entries(mergeOperations(type.interfaces, template.interfaces as any, interfaceName, resolution, where))) {
        otherOperations[`${interfaceName}.${operationName}`] = operation;
      }
    }

    const relationships: ModelRelationship[] = [];
    let host: string | undefined;
    (template.relationships ?? []).forEach((relationship, index) => {
      const at = `${where}.relationships[${index}]`;
      if (!relationship || typeof relationship.type !== 'string' || typeof relationship.target !== 'string') throw fail(at, 'needs a type and a target');
      if (!catalogue.hasRelationshipType(relationship.type)) throw fail(`${at}.type`, `unknown relationship type '${relationship.type}'`);
      if (!templates[relationship.target]) throw fail(`${at}.target`, `names '${relationship.target}', which is not a node template`);
      if (relationship.target === name) throw fail(`${at}.target`, 'a node cannot have a relationship to itself');
      const relationshipType = catalogue.relationshipType(relationship.type);
      if (!relationshipType.ancestry.includes('cloudify.relationships.depends_on')) throw fail(`${at}.type`, `'${relationship.type}' does not derive from cloudify.relationships.depends_on`);
      if (relationshipType.ancestry.includes('cloudify.relationships.contained_in')) {
        if (host !== undefined) throw fail(at, `a node may have one contained_in relationship; it already is contained in '${host}'`);
        host = relationship.target;
      }
      const relationshipProperties: { [name: string]: any } = {};
      for (const [property, schema] of Object.entries(relationshipType.properties)) if (schema.default !== undefined) relationshipProperties[property] = schema.default;
      Object.assign(relationshipProperties, relationship.properties ?? {});
      relationships.push({
        type: relationship.type,
        typeHierarchy: relationshipType.ancestry,
        target: relationship.target,
        properties: relationshipProperties,
        connectionType: relationshipProperties.connection_type === 'all_to_one' ? 'all_to_one' : 'all_to_all',
        source: mergeOperations(relationshipType.source_interfaces, relationship.source_interfaces as any, RELATIONSHIP_LIFECYCLE, resolution, `${at}.source_interfaces`),
        targetSide: mergeOperations(relationshipType.target_interfaces, relationship.target_interfaces as any, RELATIONSHIP_LIFECYCLE, resolution, `${at}.target_interfaces`),
      });
    });

    const scalable = template.capabilities?.scalable?.properties ?? {};
    const count = (value: any, fallback: number, label: string) => {
      const number = value === undefined ? fallback : value === 'UNBOUNDED' ? -1 : value;
      if (!Number.isInteger(number) || number < -1) throw fail(`${where}.capabilities.scalable.properties.${label}`, `must be a whole number, got ${JSON.stringify(value)}`);
      return number;
    };
    nodes.set(name, {
      name,
      type: template.type,
      typeHierarchy: type.ancestry,
      template,
      properties,
      operations,
      ...(Object.keys(otherOperations).length > 0 ? { otherOperations } : {}),
      relationships,
      host,
      scalable: { default: count(scalable.default_instances, 1, 'default_instances'), min: count(scalable.min_instances, 0, 'min_instances'), max: count(scalable.max_instances, -1, 'max_instances') },
      constructPath: constructPaths[name],
    });
  }

  const groups = new Map<string, ModelGroup>();
  const policies = Object.values(blueprint.policies ?? {});
  for (const [name, group] of Object.entries(blueprint.groups ?? {})) {
    const where = `groups.${name}`;
    if (!group || !Array.isArray(group.members) || group.members.length === 0) throw fail(where, 'needs a non-empty members list');
    for (const member of group.members) {
      if (!nodes.has(member)) throw fail(`${where}.members`, `'${member}' is not a node template (nested groups are not supported by hybrid's engine)`);
    }
    const policy = policies.find((candidate) => candidate.type === 'cloudify.policies.scaling' && (candidate.targets ?? []).includes(name));
    const properties = policy?.properties ?? {};
    const number = (value: any, fallback: number) => (value === undefined ? fallback : value === 'UNBOUNDED' ? -1 : value);
    groups.set(name, { name, members: group.members, default: number(properties.default_instances, 1), min: number(properties.min_instances, 0), max: number(properties.max_instances, -1) });
  }
  // Group membership: direct members, and nodes contained (transitively) in a member.
  const groupOf = new Map<string, string>();
  for (const group of groups.values()) {
    for (const member of group.members) {
      if (groupOf.has(member)) throw fail(`groups.${group.name}.members`, `'${member}' is already a member of group '${groupOf.get(member)}'`);
      groupOf.set(member, group.name);
    }
  }
  const groupFor = (name: string, seen: Set<string> = new Set()): string | undefined => {
    if (groupOf.has(name)) return groupOf.get(name);
    const host = nodes.get(name)!.host;
    if (!host || seen.has(host)) return undefined;
    seen.add(name);
    return groupFor(host, seen);
  };
  for (const node of nodes.values()) {
    const group = groupFor(node.name);
    if (group) (node as { group?: string }).group = group;
  }

  const stack = stackName ?? blueprint.metadata?.hybrid?.stack ?? 'default';
  const digest = createHash('sha256').update(JSON.stringify(blueprint)).digest('hex');
  return { stack, blueprint, baseDirectory, workingDirectory, digest, catalogue, nodes, groups };
}
