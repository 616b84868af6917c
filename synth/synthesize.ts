import { IConstruct } from 'constructs';
import { App, Stack } from '../lib/core/app';
import { NodeType, RelationshipType } from '../lib/core/custom-types';
import { ErrorCode, HybridError } from '../lib/core/errors';
import { Input, Output } from '../lib/core/inputs';
import { constructError } from '../lib/core/location';
import { CONTAINED_IN, DEPENDS_ON, NodeTemplate, RelationshipSpec, invalidProps } from '../lib/core/node-template';
import { OperationSpec, Script } from '../lib/core/operation';
import { ScalingGroup } from '../lib/core/scaling';
import { CLOUDIFY_TYPES_IMPORT, HYBRID_PLUGIN, HYBRID_TYPES_FILE, TypeCatalogue, TypesDocument, builtinCatalogue, hybridTypesDocument } from '../lib/core/types';
import {
  BlueprintDocument, DSL_VERSION, GroupDocument, InputDocument, InterfacesDocument, NodeTemplateDocument, OperationDocument, OutputDocument,
  PolicyDocument, RelationshipDocument, SynthesizedStack,
} from './blueprint';
import { findCycle } from './cycles';
import { nodeNameFromPath } from './naming';
import { checkPropertyValues, checkRelationshipProperties } from './properties';
import { Resolver } from './resolver';
import { toYaml } from './yaml';

export const HYBRID_VERSION: string = packageVersion();

interface Collected {
  readonly stack: Stack;
  readonly nodes: NodeTemplate[];
  readonly inputs: Input[];
  readonly outputs: Output[];
  readonly groups: ScalingGroup[];
  readonly nodeTypes: NodeType[];
  readonly relationshipTypes: RelationshipType[];
}

/** Synthesizes every stack of an app, in creation order. */
export function synthesizeApp(app: App): SynthesizedStack[] {
  const stacks = app.stacks;
  if (stacks.length === 0) throw new HybridError(ErrorCode.InvalidProps, 'the app has no Stack: create at least one `new Stack(app, "name")`');
  return stacks.map((stack) => synthesizeStack(stack));
}

/**
 * Synthesizes one stack into its blueprint and files. Pure and deterministic: the same construct
 * tree gives byte-identical files. Phases: collect → name → resolve and check → order → render.
 */
export function synthesizeStack(stack: Stack): SynthesizedStack {
  const collected = collect(stack);
  const { names, paths } = nameNodes(collected);
  const catalogue = catalogueFor(collected);
  const resolver = new Resolver(stack, collected.nodes, collected.inputs, names);
  const scripts = new Map<string, string>();

  const inputs = renderInputs(collected.inputs, resolver);
  const nodeTemplates: { [name: string]: NodeTemplateDocument } = {};
  const constructPaths: { [name: string]: string } = {};
  const sortedNodes = collected.nodes.map((node): [string, NodeTemplate] => [names.get(node)!, node]).sort(byKey);
  for (const [name, node] of sortedNodes) {
    constructPaths[name] = paths.get(node)!;
    nodeTemplates[name] = renderNode(node, name, catalogue, resolver, scripts);
  }
  checkCycles(nodeTemplates, collected, names);
  const groups = renderGroups(collected.groups, names);

  const blueprint: BlueprintDocument = {
    tosca_definitions_version: DSL_VERSION,
    ...(stack.description ? { description: stack.description } : {}),
    metadata: {
      ...stack.metadata,
      hybrid: { version: HYBRID_VERSION, stack: stack.stackName, constructs: constructPaths },
    },
    imports: [CLOUDIFY_TYPES_IMPORT, HYBRID_TYPES_FILE],
    ...section('inputs', inputs),
    ...section('node_types', Object.fromEntries(collected.nodeTypes.map((t): [string, any] => [t.typeName, t.toBlueprint()]).sort(byKey))),
    ...section('relationships', Object.fromEntries(collected.relationshipTypes.map((t): [string, any] => [t.typeName, t.toBlueprint()]).sort(byKey))),
    node_templates: nodeTemplates,
    ...section('groups', groups.groups),
    ...section('policies', groups.policies),
    ...section('outputs', renderOutputs(collected.outputs.filter((o) => !o.capability), resolver, 'output')),
    ...section('capabilities', renderOutputs(collected.outputs.filter((o) => o.capability), resolver, 'capability')),
  };

  const files: { [path: string]: string } = {
    'blueprint.yaml': toYaml(blueprint),
    [HYBRID_TYPES_FILE]: typesFile(),
  };
  for (const [path, content] of [...scripts.entries()].sort(byKey)) files[path] = content;
  return { stackName: stack.stackName, blueprint, files };
}

let cachedTypesFile: string | undefined;

/** The hybrid types file: every hybrid node type, relationship type and the hybrid plugin. */
export function typesFile(): string {
  cachedTypesFile ??= toYaml({
    tosca_definitions_version: DSL_VERSION,
    description: `Node types of hybrid ${HYBRID_VERSION}. Generated; do not edit.`,
    imports: [CLOUDIFY_TYPES_IMPORT],
    ...typesForBlueprint(hybridTypesDocument()),
  });
  return cachedTypesFile;
}

/**
 * A types document as Cloudify's parser accepts it: type-level `description` (kept in the
 * catalogue for docs and messages) is not in its node or relationship type schema.
 */
function typesForBlueprint(document: TypesDocument): { [section: string]: any } {
  const strip = (types: { [name: string]: any } | undefined) => {
    const result: { [name: string]: any } = {};
    for (const [name, { description: _description, ...definition }] of Object.entries(types ?? {})) result[name] = definition;
    return result;
  };
  return {
    ...section('plugins', document.plugins ?? {}),
    ...section('node_types', strip(document.node_types)),
    ...section('relationships', strip(document.relationships)),
  };
}

function collect(stack: Stack): Collected {
  const collected: Collected = { stack, nodes: [], inputs: [], outputs: [], groups: [], nodeTypes: [], relationshipTypes: [] };
  const visit = (construct: IConstruct) => {
    for (const child of construct.node.children) {
      if (Stack.isStack(child)) continue;
      if (NodeTemplate.isNodeTemplate(child)) collected.nodes.push(child);
      else if (Input.isInput(child)) collected.inputs.push(child);
      else if (Output.isOutput(child)) collected.outputs.push(child);
      else if (ScalingGroup.isScalingGroup(child)) collected.groups.push(child);
      else if (NodeType.isNodeType(child)) collected.nodeTypes.push(child);
      else if (RelationshipType.isRelationshipType(child)) collected.relationshipTypes.push(child);
      visit(child);
    }
  };
  visit(stack);
  return collected;
}

function relativePath(stack: Stack, construct: IConstruct): string {
  return construct.node.path.slice(stack.node.path.length + 1);
}

/** Node template names (and construct paths relative to the stack) of every node of the stack. */
function nameNodes(collected: Collected): { names: Map<NodeTemplate, string>; paths: Map<NodeTemplate, string> } {
  const names = new Map<NodeTemplate, string>();
  const paths = new Map<NodeTemplate, string>();
  const byName = new Map<string, NodeTemplate>();
  for (const node of collected.nodes) {
    const path = relativePath(collected.stack, node);
    paths.set(node, path);
    const name = node.explicitName ?? nodeNameFromPath(path);
    const other = byName.get(name);
    if (other) {
      throw constructError(
        ErrorCode.DuplicateName,
        node,
        `${node.node.path} and ${other.node.path} both get the node template name '${name}'; give one of them another id or an explicit name`,
        node.location,
      );
    }
    byName.set(name, node);
    names.set(node, name);
  }
  const seen = new Map<string, Input | Output | ScalingGroup>();
  for (const construct of [...collected.inputs, ...collected.outputs, ...collected.groups]) {
    const [kind, name] = Input.isInput(construct)
      ? ['input', construct.inputName]
      : Output.isOutput(construct)
        ? [construct.capability ? 'capability' : 'output', construct.outputName]
        : ['group', (construct as ScalingGroup).groupName];
    const other = seen.get(`${kind}:${name}`);
    if (other) {
      throw constructError(ErrorCode.DuplicateName, construct, `${construct.node.path} and ${other.node.path} are both the ${kind} '${name}'; rename one of them`, construct.location);
    }
    // Cloudify scales "a node or a group" by name, so the two share one namespace.
    if (kind === 'group' && byName.has(name)) {
      const node = byName.get(name)!;
      throw constructError(ErrorCode.DuplicateName, construct, `the scaling group '${name}' has the same name as the node template of ${node.node.path}; rename the group`, construct.location);
    }
    seen.set(`${kind}:${name}`, construct);
  }
  return { names, paths };
}

function catalogueFor(collected: Collected): TypeCatalogue {
  if (collected.nodeTypes.length === 0 && collected.relationshipTypes.length === 0) return sharedCatalogue();
  const catalogue = sharedCatalogue().clone();
  for (const type of [...collected.nodeTypes, ...collected.relationshipTypes]) {
    const isNode = NodeType.isNodeType(type);
    try {
      catalogue.add(isNode ? { node_types: { [type.typeName]: type.toBlueprint() } } : { relationships: { [type.typeName]: type.toBlueprint() } }, type.node.path);
    } catch (error) {
      throw constructError(ErrorCode.DuplicateName, type, `${(error as Error).message}; give the type another name`, type.location, error);
    }
  }
  for (const type of [...collected.nodeTypes, ...collected.relationshipTypes]) {
    try {
      if (NodeType.isNodeType(type)) catalogue.nodeType(type.typeName);
      else if (!catalogue.relationshipDerivesFrom(type.typeName, DEPENDS_ON)) throw new Error(`relationship type '${type.typeName}' must derive from ${DEPENDS_ON}`);
    } catch (error) {
      throw constructError(ErrorCode.InvalidProps, type, (error as Error).message, type.location, error);
    }
  }
  return catalogue;
}

let catalogueCache: TypeCatalogue | undefined;
function sharedCatalogue(): TypeCatalogue {
  catalogueCache ??= builtinCatalogue();
  return catalogueCache;
}

function renderNode(node: NodeTemplate, name: string, catalogue: TypeCatalogue, resolver: Resolver, scripts: Map<string, string>): NodeTemplateDocument {
  resolver.owner = node;
  resolver.location = undefined;
  resolver.attributeReads.clear();
  if (!catalogue.hasNodeType(node.type)) {
    throw invalidProps(node, `unknown node type '${node.type}'; use a hybrid.nodes.* or cloudify.nodes.* type, or define it with new NodeType(...)`);
  }
  const type = catalogue.nodeType(node.type);
  checkPropertyValues(node, type);

  resolver.scope = 'node-property';
  const given = node.properties;
  const resolved = resolver.resolve(given);
  // The node's own property map is live (setProperty); the document gets its own top level.
  const properties = resolved === given ? { ...given } : resolved;

  const interfaces: InterfacesDocument = {};
  resolver.scope = 'node-operation';
  for (const [interfaceName, operations] of Object.entries(node.interfaces)) {
    const rendered: { [operationName: string]: OperationDocument } = {};
    for (const [operationName, operation] of Object.entries(operations)) {
      rendered[operationName] = renderOperation(operation, resolver, scripts, name, `${interfaceName}.${operationName}`, catalogue);
    }
    interfaces[interfaceName] = rendered;
  }

  const relationships: RelationshipDocument[] = [];
  const targets = new Set<string>();
  let host: RelationshipSpec | undefined;
  for (const relationship of node.relationships) {
    resolver.location = relationship.location;
    const fail = (code: ErrorCode, message: string) => constructError(code, node, message, relationship.location);
    if (!catalogue.hasRelationshipType(relationship.type)) {
      throw fail(ErrorCode.InvalidProps, `unknown relationship type '${relationship.type}'; use a cloudify.relationships.* or hybrid.relationships.* type, or define it with new RelationshipType(...)`);
    }
    if (!catalogue.relationshipDerivesFrom(relationship.type, DEPENDS_ON)) {
      throw fail(ErrorCode.InvalidProps, `relationship type '${relationship.type}' does not derive from ${DEPENDS_ON}`);
    }
    if (catalogue.relationshipDerivesFrom(relationship.type, CONTAINED_IN)) {
      if (host) {
        throw fail(ErrorCode.InvalidProps, `is contained in both ${host.target.node.path} (${host.type}) and ${relationship.target.node.path} (${relationship.type}); a node has at most one host`);
      }
      host = relationship;
    }
    checkRelationshipProperties(relationship, catalogue.relationshipType(relationship.type), fail);
    const target = resolver.nodeName(relationship.target);
    targets.add(target);
    resolver.scope = 'relationship-property';
    const document: { -readonly [key in keyof RelationshipDocument]: RelationshipDocument[key] } = { type: relationship.type, target };
    if (relationship.properties) document.properties = resolver.resolve(relationship.properties);
    resolver.scope = 'relationship-operation';
    for (const [side, operations] of [['source', relationship.sourceOperations], ['target', relationship.targetOperations]] as const) {
      if (!operations || Object.keys(operations).length === 0) continue;
      const rendered: { [name: string]: OperationDocument } = {};
      for (const [operationName, operation] of Object.entries(operations)) {
        rendered[operationName] = renderOperation(operation, resolver, scripts, name, `${side} ${operationName} of the ${relationship.type} to ${target}`, catalogue);
      }
      document[side === 'source' ? 'source_interfaces' : 'target_interfaces'] = { 'cloudify.interfaces.relationship_lifecycle': rendered };
    }
    relationships.push(document);
  }
  resolver.location = undefined;

  // Reading another node's attributes orders that node first, as in Terraform.
  for (const referenced of resolver.attributeReads) {
    if (referenced === name || targets.has(referenced)) continue;
    targets.add(referenced);
    relationships.push({ type: DEPENDS_ON, target: referenced });
  }

  // Built key by key (not with conditional spreads): this runs once per node of large programs.
  const document: { -readonly [key in keyof NodeTemplateDocument]: NodeTemplateDocument[key] } = { type: node.type };
  if (hasKeys(properties)) document.properties = properties;
  if (hasKeys(interfaces)) document.interfaces = interfaces;
  if (relationships.length > 0) document.relationships = relationships;
  const instances = node.instances;
  if (instances) {
    document.capabilities = { scalable: { properties: { default_instances: instances.default ?? 1, min_instances: instances.min ?? 0, max_instances: instances.max ?? -1 } } };
  }
  return document;
}

function hasKeys(value: object): boolean {
  for (const _key in value) return true;
  return false;
}

function renderOperation(operation: OperationSpec, resolver: Resolver, scripts: Map<string, string>, nodeName: string, label: string, catalogue: TypeCatalogue): OperationDocument {
  let implementation: string;
  if (Script.isScript(operation.implementation)) {
    // Cloudify runs a path relative to the blueprint with its script plugin (cloudify-dsl.md §1.4).
    implementation = `scripts/${nodeName}/${operation.implementation.fileName}`;
    const existing = scripts.get(implementation);
    if (existing !== undefined && existing !== operation.implementation.content) {
      throw resolver.error(ErrorCode.DuplicateName, `two different scripts are both named '${operation.implementation.fileName}' (operation ${label}); give them different file names`);
    }
    scripts.set(implementation, operation.implementation.content);
  } else {
    implementation = operation.implementation;
    const plugin = implementation.split('.')[0];
    if (implementation !== '' && !(plugin === HYBRID_PLUGIN || catalogue.hasPlugin(plugin))) {
      throw resolver.error(
        ErrorCode.ProviderMissing,
        `operation ${label} is implemented by '${implementation}', which names no declared plugin; use a hybrid.* operation or Script.inline(...)`,
      );
    }
  }
  const document: { -readonly [key in keyof OperationDocument]: OperationDocument[key] } = { implementation };
  if (operation.inputs) document.inputs = resolver.resolve(operation.inputs);
  if (operation.maxRetries !== undefined) document.max_retries = operation.maxRetries;
  if (operation.retryInterval !== undefined) document.retry_interval = operation.retryInterval;
  if (operation.timeout !== undefined) document.timeout = operation.timeout;
  return document;
}

function checkCycles(templates: { [name: string]: NodeTemplateDocument }, collected: Collected, names: Map<NodeTemplate, string>): void {
  const cycle = findCycle(Object.keys(templates), (name) => (templates[name].relationships ?? []).map((r) => r.target));
  if (!cycle) return;
  const byName = new Map([...names.entries()].map(([node, name]) => [name, node]));
  const path = cycle.map((name) => `${name} (${byName.get(name)?.node.path})`).join(' -> ');
  const first = byName.get(cycle[0])!;
  throw constructError(
    ErrorCode.CycleDetected,
    first,
    `stack '${collected.stack.stackName}' has a dependency cycle: ${path}; remove one relationship or attribute reference on this path`,
    first.location,
  );
}

function renderInputs(inputs: Input[], resolver: Resolver): { [name: string]: InputDocument } {
  const result: { [name: string]: InputDocument } = {};
  resolver.scope = 'input-default';
  resolver.location = undefined;
  for (const input of [...inputs].sort((a, b) => compare(a.inputName, b.inputName))) {
    resolver.owner = input;
    result[input.inputName] = {
      type: input.type,
      ...(input.description ? { description: input.description } : {}),
      ...(input.defaultValue !== undefined ? { default: resolver.resolve(input.defaultValue) } : {}),
      ...(input.constraints.length ? { constraints: input.constraints.map((c) => c.toBlueprint()) } : {}),
    };
  }
  return result;
}

function renderOutputs(outputs: Output[], resolver: Resolver, scope: 'output' | 'capability'): { [name: string]: OutputDocument } {
  const result: { [name: string]: OutputDocument } = {};
  resolver.scope = scope;
  resolver.location = undefined;
  for (const output of [...outputs].sort((a, b) => compare(a.outputName, b.outputName))) {
    resolver.owner = output;
    result[output.outputName] = { ...(output.description ? { description: output.description } : {}), value: resolver.resolve(output.value) };
  }
  return result;
}

function renderGroups(groups: ScalingGroup[], names: Map<NodeTemplate, string>): { groups: { [name: string]: GroupDocument }; policies: { [name: string]: PolicyDocument } } {
  const memberOf = new Map<NodeTemplate, ScalingGroup>();
  const result = { groups: {} as { [name: string]: GroupDocument }, policies: {} as { [name: string]: PolicyDocument } };
  for (const group of [...groups].sort((a, b) => compare(a.groupName, b.groupName))) {
    for (const member of group.members) {
      if (!names.has(member)) {
        throw constructError(ErrorCode.DanglingRef, group, `member ${member.node.path} is not a node template of this stack; a group scales nodes of its own stack`, group.location);
      }
      const other = memberOf.get(member);
      if (other) {
        throw constructError(
          ErrorCode.InvalidProps,
          group,
          `${member.node.path} is a member of two scaling groups (${other.node.path} and ${group.node.path}); a node scales with one group`,
          group.location,
        );
      }
      memberOf.set(member, group);
    }
    result.groups[group.groupName] = { members: group.members.map((m) => names.get(m)!).sort(compare) };
    result.policies[`${group.groupName}-scaling`] = {
      type: 'cloudify.policies.scaling',
      properties: { default_instances: group.defaultInstances, min_instances: group.minInstances, max_instances: group.maxInstances },
      targets: [group.groupName],
    };
  }
  return result;
}

/** The package version, from the source tree (`synth/`) or the compiled one (`dist/synth/`). */
function packageVersion(): string {
  try {
    return require('../package.json').version;
  } catch {
    // compiled layout: dist/synth/ → package.json two levels up
  }
  try {
    return require('../../package.json').version;
  } catch {
    return '0.0.0';
  }
}

function section<K extends string>(name: K, value: { [key: string]: any }): { [key in K]?: any } {
  return Object.keys(value).length === 0 ? {} : ({ [name]: value } as any);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey(a: [string, any], b: [string, any]): number {
  return compare(a[0], b[0]);
}
