/**
 * Checks a blueprint document (synthesized or hand-written, after YAML load) against the part of
 * Cloudify DSL 1.4 that hybrid writes and runs: sections and keys, references between nodes,
 * inputs, groups and policies, and where each intrinsic function may appear. Returns every
 * problem found, each starting with its path (`node_templates.web.relationships[0].target: ...`);
 * an empty list means the document is valid. With a TypeCatalogue it also checks node and
 * relationship types and property names. Used by tests and by the engine's blueprint loader.
 */
import { checkInputValue } from '../lib/core/inputs';
import { TypeCatalogue } from '../lib/core/types/schema';
import { BLUEPRINT_SECTIONS } from './blueprint';
import { findCycle } from './cycles';
import { NODE_KEYWORDS, Scope, intrinsicName, placementProblem } from './functions';
import { LITERAL_TYPES, isRequired } from './properties';

const DSL_VERSION_PATTERN = /^cloudify_dsl_1_[0-5]$/;
const CONTAINED_IN = 'cloudify.relationships.contained_in';
const DEPENDS_ON = 'cloudify.relationships.depends_on';
const SCALING_POLICY = 'cloudify.policies.scaling';

const NODE_TEMPLATE_KEYS = ['type', 'properties', 'interfaces', 'relationships', 'capabilities', 'instances'];
const RELATIONSHIP_KEYS = ['type', 'target', 'properties', 'source_interfaces', 'target_interfaces'];
const OPERATION_KEYS = ['implementation', 'inputs', 'executor', 'max_retries', 'retry_interval', 'timeout', 'timeout_recoverable'];
const INPUT_KEYS = ['type', 'default', 'description', 'required', 'constraints', 'item_type', 'display_label', 'hidden', 'display'];
const OUTPUT_KEYS = ['description', 'value'];
const GROUP_KEYS = ['members', 'policies'];
const POLICY_KEYS = ['type', 'properties', 'targets'];
const SCALING_KEYS = ['default_instances', 'min_instances', 'max_instances'];
const PLUGIN_KEYS = [
  'executor', 'source', 'install', 'install_arguments', 'package_name', 'package_version', 'supported_platform',
  'distribution', 'distribution_version', 'distribution_release', 'properties_description', 'properties',
];
const NODE_TYPE_KEYS = ['derived_from', 'properties', 'interfaces', 'runtime_properties'];
const RELATIONSHIP_TYPE_KEYS = ['derived_from', 'properties', 'source_interfaces', 'target_interfaces'];
const PROPERTY_SCHEMA_KEYS = ['type', 'default', 'required', 'description'];
const EXECUTORS = ['central_deployment_agent', 'host_agent', 'auto'];
const INPUT_TYPES = [
  'string', 'integer', 'float', 'boolean', 'list', 'dict', 'regex', 'textarea',
  'blueprint_id', 'deployment_id', 'secret_key', 'capability_value', 'scaling_group', 'node_id', 'node_type', 'node_instance',
];
const CONSTRAINT_KINDS = [
  'equal', 'greater_than', 'greater_or_equal', 'less_than', 'less_or_equal', 'in_range', 'valid_values', 'length',
  'min_length', 'max_length', 'pattern', 'filter_id', 'labels', 'tenants', 'name_pattern', 'deployment_id',
];

type Mapping = { [key: string]: any };

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a blueprint document; returns the problems found (empty when valid). */
export function validateBlueprint(document: unknown, catalogue?: TypeCatalogue): string[] {
  return new Validator(document, catalogue).run();
}

class Validator {
  private readonly problems: string[] = [];
  private readonly doc: Mapping;
  private readonly nodeNames: Set<string>;
  private readonly inputNames: Set<string>;
  private readonly types: TypeCatalogue | undefined;

  constructor(document: unknown, catalogue: TypeCatalogue | undefined) {
    this.doc = isMapping(document) ? document : {};
    if (!isMapping(document)) this.report('(document)', `a blueprint is a mapping of sections, got ${describe(document)}`);
    this.nodeNames = new Set(isMapping(this.doc.node_templates) ? Object.keys(this.doc.node_templates) : []);
    this.inputNames = new Set(isMapping(this.doc.inputs) ? Object.keys(this.doc.inputs) : []);
    this.types = catalogue ? this.catalogueWithOwnTypes(catalogue) : undefined;
  }

  public run(): string[] {
    if (this.problems.length > 0) return this.problems;
    const doc = this.doc;
    for (const key of Object.keys(doc)) {
      if (!(BLUEPRINT_SECTIONS as ReadonlyArray<string>).includes(key)) this.report(key, `'${key}' is not a blueprint section (allowed: ${BLUEPRINT_SECTIONS.join(', ')})`);
    }
    const version = doc.tosca_definitions_version;
    if (version === undefined) this.report('tosca_definitions_version', 'is required (cloudify_dsl_1_4)');
    else if (typeof version !== 'string' || !DSL_VERSION_PATTERN.test(version)) this.report('tosca_definitions_version', `must be cloudify_dsl_1_<0..5>, got ${describe(version)}`);
    if (doc.description !== undefined && typeof doc.description !== 'string') this.report('description', 'must be a string');
    if (doc.metadata !== undefined && !isMapping(doc.metadata)) this.report('metadata', 'must be a mapping');
    if (doc.imports !== undefined) {
      if (!Array.isArray(doc.imports)) this.report('imports', 'must be a list of paths or URLs');
      else doc.imports.forEach((item: unknown, index: number) => typeof item !== 'string' && !isMapping(item) && this.report(`imports[${index}]`, 'must be a path or URL'));
    }
    this.eachEntry('inputs', (name, input, path) => this.checkInput(name, input, path));
    this.eachEntry('plugins', (_name, plugin, path) => this.checkPlugin(plugin, path));
    this.eachEntry('node_types', (_name, type, path) => this.checkTypeDefinition(type, path, NODE_TYPE_KEYS, ['interfaces']));
    this.eachEntry('relationships', (_name, type, path) => this.checkTypeDefinition(type, path, RELATIONSHIP_TYPE_KEYS, ['source_interfaces', 'target_interfaces']));
    this.eachEntry('node_templates', (name, template, path) => this.checkNodeTemplate(name, template, path));
    this.checkCycles();
    this.checkGroupsAndPolicies();
    this.eachEntry('outputs', (_name, output, path) => this.checkOutput(output, path, 'output'));
    this.eachEntry('capabilities', (_name, output, path) => this.checkOutput(output, path, 'capability'));
    return this.problems;
  }

  private report(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  private catalogueWithOwnTypes(catalogue: TypeCatalogue): TypeCatalogue {
    const own = { node_types: isMapping(this.doc.node_types) ? this.doc.node_types : {}, relationships: isMapping(this.doc.relationships) ? this.doc.relationships : {} };
    if (Object.keys(own.node_types).length === 0 && Object.keys(own.relationships).length === 0) return catalogue;
    const copy = catalogue.clone();
    try {
      copy.add(own, 'the blueprint');
    } catch (error) {
      this.report('node_types', (error as Error).message);
    }
    return copy;
  }

  /** Calls `check` for each entry of a mapping section; reports a section that is not a mapping. */
  private eachEntry(section: string, check: (name: string, value: any, path: string) => void): void {
    const value = this.doc[section];
    if (value === undefined || value === null) return;
    if (!isMapping(value)) {
      this.report(section, 'must be a mapping');
      return;
    }
    for (const [name, entry] of Object.entries(value)) check(name, entry, `${section}.${name}`);
  }

  /** Reports keys outside `allowed`; returns false when `value` is not a mapping at all. */
  private checkKeys(value: unknown, path: string, allowed: ReadonlyArray<string>, what: string): value is Mapping {
    if (!isMapping(value)) {
      this.report(path, `${what} must be a mapping, got ${describe(value)}`);
      return false;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.report(`${path}.${key}`, `'${key}' is not allowed in ${what} (allowed: ${allowed.join(', ')})`);
    }
    return true;
  }

  private checkInput(name: string, input: unknown, path: string): void {
    if (!this.checkKeys(input, path, INPUT_KEYS, 'an input')) return;
    const type = input.type ?? 'string';
    const dataTypes = isMapping(this.doc.data_types) ? Object.keys(this.doc.data_types) : [];
    if (typeof type !== 'string' || !(INPUT_TYPES.includes(type) || dataTypes.includes(type))) this.report(`${path}.type`, `unknown input type ${describe(type)} (known: ${INPUT_TYPES.join(', ')})`);
    if (input.required !== undefined && typeof input.required !== 'boolean') this.report(`${path}.required`, 'must be true or false');
    const constraints: Mapping[] = [];
    if (input.constraints !== undefined) {
      if (!Array.isArray(input.constraints)) this.report(`${path}.constraints`, 'must be a list of one-key mappings');
      else {
        input.constraints.forEach((constraint: unknown, index: number) => {
          const at = `${path}.constraints[${index}]`;
          if (!isMapping(constraint) || Object.keys(constraint).length !== 1) return this.report(at, `a constraint is a one-key mapping like { in_range: [1, 10] }, got ${describe(constraint)}`);
          const kind = Object.keys(constraint)[0];
          if (!CONSTRAINT_KINDS.includes(kind)) return this.report(at, `unknown constraint '${kind}' (known: ${CONSTRAINT_KINDS.join(', ')})`);
          constraints.push(constraint);
        });
      }
    }
    if (input.default !== undefined) {
      this.checkFunctions(input.default, `${path}.default`, 'input-default');
      if (!containsFunction(input.default)) {
        const problem = checkInputValue(type, constraints, input.default);
        if (problem) this.report(`${path}.default`, `the default of input '${name}' ${problem}`);
      }
    }
  }

  private checkPlugin(plugin: unknown, path: string): void {
    if (!this.checkKeys(plugin, path, PLUGIN_KEYS, 'a plugin')) return;
    if (!['central_deployment_agent', 'host_agent'].includes(plugin.executor)) this.report(`${path}.executor`, `must be central_deployment_agent or host_agent, got ${describe(plugin.executor)}`);
  }

  private checkTypeDefinition(type: unknown, path: string, allowed: ReadonlyArray<string>, interfaceKeys: string[]): void {
    if (!this.checkKeys(type, path, allowed, 'a type definition')) return;
    if (type.derived_from !== undefined && typeof type.derived_from !== 'string') this.report(`${path}.derived_from`, 'must be a type name');
    if (type.properties !== undefined) {
      if (!isMapping(type.properties)) this.report(`${path}.properties`, 'must be a mapping of property schemas');
      else for (const [name, schema] of Object.entries(type.properties)) this.checkKeys(schema, `${path}.properties.${name}`, PROPERTY_SCHEMA_KEYS, 'a property schema');
    }
    for (const key of interfaceKeys) {
      if (type[key] !== undefined) this.checkInterfaces(type[key], `${path}.${key}`, undefined);
    }
  }

  private checkNodeTemplate(name: string, template: unknown, path: string): void {
    if (!this.checkKeys(template, path, NODE_TEMPLATE_KEYS, 'a node template')) return;
    const typeName = template.type;
    let type: ReturnType<TypeCatalogue['nodeType']> | undefined;
    if (typeof typeName !== 'string' || typeName.length === 0) this.report(`${path}.type`, 'is required: the node type name');
    else if (this.types) {
      try {
        type = this.types.nodeType(typeName);
      } catch (error) {
        this.report(`${path}.type`, (error as Error).message);
      }
    }

    const properties = template.properties ?? {};
    if (!isMapping(properties)) this.report(`${path}.properties`, 'must be a mapping');
    else {
      this.checkFunctions(properties, `${path}.properties`, 'node-property');
      const external = properties.use_external_resource;
      if (external !== undefined && typeof external !== 'boolean') {
        this.report(`${path}.properties.use_external_resource`, `must be a literal true or false (Cloudify rejects functions there), got ${describe(external)}`);
      }
      if (type) {
        const declared = Object.keys(type.properties).sort().join(', ') || 'none';
        for (const [property, value] of Object.entries(properties)) {
          const schema = type.properties[property];
          if (!schema) this.report(`${path}.properties.${property}`, `'${property}' is not declared by node type '${type.name}' (declared: ${declared})`);
          else if (schema.type && LITERAL_TYPES[schema.type] && !containsFunction(value) && !LITERAL_TYPES[schema.type](value)) {
            this.report(`${path}.properties.${property}`, `must be a ${schema.type}, got ${describe(value)}`);
          }
        }
        if (external !== true) {
          for (const [property, schema] of Object.entries(type.properties)) {
            if (isRequired(schema) && properties[property] === undefined) this.report(`${path}.properties`, `required property '${property}' of node type '${type.name}' is missing`);
          }
        }
      }
    }
    if (template.interfaces !== undefined) this.checkInterfaces(template.interfaces, `${path}.interfaces`, 'node-operation');
    this.checkRelationships(name, template.relationships, `${path}.relationships`);
    this.checkScaling(template, path);
  }

  private checkRelationships(nodeName: string, relationships: unknown, path: string): void {
    if (relationships === undefined) return;
    if (!Array.isArray(relationships)) return this.report(path, 'must be a list');
    const hosts: string[] = [];
    relationships.forEach((relationship: unknown, index: number) => {
      const at = `${path}[${index}]`;
      if (!this.checkKeys(relationship, at, RELATIONSHIP_KEYS, 'a relationship')) return;
      const { type, target } = relationship;
      if (typeof target !== 'string') this.report(`${at}.target`, 'is required: the target node template name');
      else if (!this.nodeNames.has(target)) this.report(`${at}.target`, `'${target}' is not a node template of this blueprint`);
      else if (target === nodeName) this.report(`${at}.target`, 'a node cannot have a relationship to itself');
      if (typeof type !== 'string') this.report(`${at}.type`, 'is required: the relationship type name');
      else {
        const ancestry = this.relationshipAncestry(type, `${at}.type`);
        if (ancestry?.includes(CONTAINED_IN)) hosts.push(`${typeof target === 'string' ? target : '?'} (${at})`);
        if (ancestry && this.types && !ancestry.includes(DEPENDS_ON)) this.report(`${at}.type`, `'${type}' does not derive from ${DEPENDS_ON}`);
        if (this.types && ancestry && relationship.properties !== undefined && isMapping(relationship.properties)) {
          const schema = this.types.relationshipType(type).properties;
          for (const property of Object.keys(relationship.properties)) {
            if (!schema[property]) this.report(`${at}.properties.${property}`, `'${property}' is not declared by relationship type '${type}' (declared: ${Object.keys(schema).sort().join(', ') || 'none'})`);
          }
        }
      }
      if (relationship.properties !== undefined) {
        if (!isMapping(relationship.properties)) this.report(`${at}.properties`, 'must be a mapping');
        else this.checkFunctions(relationship.properties, `${at}.properties`, 'relationship-property');
      }
      for (const side of ['source_interfaces', 'target_interfaces']) {
        if (relationship[side] !== undefined) this.checkInterfaces(relationship[side], `${at}.${side}`, 'relationship-operation');
      }
    });
    if (hosts.length > 1) this.report(path, `at most one relationship may derive from ${CONTAINED_IN}, found ${hosts.length}: ${hosts.join(', ')}`);
  }

  /** The relationship type and its ancestors; from the catalogue, or from this blueprint alone. */
  private relationshipAncestry(type: string, path: string): ReadonlyArray<string> | undefined {
    if (this.types) {
      try {
        return this.types.relationshipType(type).ancestry;
      } catch (error) {
        this.report(path, (error as Error).message);
        return undefined;
      }
    }
    const own = isMapping(this.doc.relationships) ? this.doc.relationships : {};
    const chain: string[] = [];
    for (let current: unknown = type; typeof current === 'string' && !chain.includes(current); current = own[current]?.derived_from) chain.push(current);
    return chain;
  }

  private checkInterfaces(interfaces: unknown, path: string, scope: Scope | undefined): void {
    if (!isMapping(interfaces)) return this.report(path, 'must be a mapping of interfaces');
    for (const [interfaceName, operations] of Object.entries(interfaces)) {
      const interfacePath = `${path}.${interfaceName}`;
      if (!isMapping(operations)) {
        this.report(interfacePath, 'must be a mapping of operations');
        continue;
      }
      for (const [operationName, operation] of Object.entries(operations)) this.checkOperation(operation, `${interfacePath}.${operationName}`, scope);
    }
  }

  /** An operation; `scope` is undefined in type definitions, whose inputs are schemas, not values. */
  private checkOperation(operation: unknown, path: string, scope: Scope | undefined): void {
    if (typeof operation === 'string') return this.checkImplementation(operation, path);
    if (!this.checkKeys(operation, path, OPERATION_KEYS, 'an operation')) return;
    if (operation.implementation !== undefined) {
      if (typeof operation.implementation !== 'string') this.report(`${path}.implementation`, 'must be a string');
      else this.checkImplementation(operation.implementation, `${path}.implementation`);
    }
    if (operation.inputs !== undefined) {
      if (!isMapping(operation.inputs)) this.report(`${path}.inputs`, 'must be a mapping');
      else if (scope) this.checkFunctions(operation.inputs, `${path}.inputs`, scope);
    }
    if (operation.executor !== undefined && !EXECUTORS.includes(operation.executor)) this.report(`${path}.executor`, `must be one of ${EXECUTORS.join(', ')}, got ${describe(operation.executor)}`);
    if (operation.max_retries !== undefined && !(Number.isInteger(operation.max_retries) && operation.max_retries >= -1)) this.report(`${path}.max_retries`, `must be an integer >= -1, got ${describe(operation.max_retries)}`);
    for (const key of ['retry_interval', 'timeout']) {
      if (operation[key] !== undefined && !(typeof operation[key] === 'number' && operation[key] >= 0)) this.report(`${path}.${key}`, `must be a number of seconds, got ${describe(operation[key])}`);
    }
    if (operation.timeout_recoverable !== undefined && typeof operation.timeout_recoverable !== 'boolean') this.report(`${path}.timeout_recoverable`, 'must be true or false');
  }

  /** With a catalogue, a dotted implementation must name a declared plugin (or be a script path). */
  private checkImplementation(implementation: string, path: string): void {
    if (!this.types || implementation === '' || implementation.includes('/') || /\.(sh|py|ps1|bat|cmd)$/.test(implementation)) return;
    const plugin = implementation.split('.')[0];
    const declared = this.types.hasPlugin(plugin) || (isMapping(this.doc.plugins) && plugin in this.doc.plugins);
    if (!declared) this.report(path, `'${implementation}' names no declared plugin ('${plugin}') and is not a script path`);
  }

  private checkScaling(template: Mapping, path: string): void {
    if (template.instances !== undefined) {
      if (this.checkKeys(template.instances, `${path}.instances`, ['deploy'], 'instances')) {
        if (!(Number.isInteger(template.instances.deploy) && template.instances.deploy >= 0)) this.report(`${path}.instances.deploy`, 'must be a whole number >= 0');
      }
      if (template.capabilities !== undefined) this.report(`${path}.instances`, 'cannot be used together with capabilities.scalable (instances is deprecated)');
    }
    if (template.capabilities === undefined) return;
    if (!this.checkKeys(template.capabilities, `${path}.capabilities`, ['scalable'], 'node capabilities')) return;
    const scalable = template.capabilities.scalable;
    if (scalable === undefined || scalable === null) return;
    if (!this.checkKeys(scalable, `${path}.capabilities.scalable`, ['properties'], 'the scalable capability')) return;
    if (scalable.properties !== undefined) this.checkScalingProperties(scalable.properties, `${path}.capabilities.scalable.properties`);
  }

  private checkScalingProperties(properties: unknown, path: string): void {
    if (!this.checkKeys(properties, path, SCALING_KEYS, 'scaling properties')) return;
    this.checkFunctions(properties, path, 'scaling');
    const literal: { [key: string]: number } = {};
    for (const key of SCALING_KEYS) {
      let value = properties[key];
      if (value === undefined || intrinsicName(value) !== undefined) continue;
      if (key === 'max_instances' && value === 'UNBOUNDED') value = -1;
      const lowest = key === 'max_instances' ? -1 : 0;
      if (!(Number.isInteger(value) && value >= lowest)) this.report(`${path}.${key}`, `must be a whole number >= ${lowest}${key === 'max_instances' ? " (or 'UNBOUNDED')" : ''}, got ${describe(properties[key])}`);
      else literal[key] = value;
    }
    const { default_instances: initial, min_instances: min, max_instances: max } = literal;
    if (initial !== undefined && min !== undefined && initial < min) this.report(path, `default_instances (${initial}) is below min_instances (${min})`);
    if (initial !== undefined && max !== undefined && max !== -1 && initial > max) this.report(path, `default_instances (${initial}) is above max_instances (${max})`);
  }

  private checkCycles(): void {
    const templates = isMapping(this.doc.node_templates) ? this.doc.node_templates : {};
    const targetsOf = (name: string): string[] => {
      const relationships = isMapping(templates[name]) && Array.isArray(templates[name].relationships) ? templates[name].relationships : [];
      return relationships.map((r: any) => (isMapping(r) ? r.target : undefined)).filter((t: unknown): t is string => typeof t === 'string' && this.nodeNames.has(t));
    };
    const cycle = findCycle(this.nodeNames, targetsOf);
    if (cycle) this.report('node_templates', `the relationships form a cycle: ${cycle.join(' -> ')}`);
  }

  private checkGroupsAndPolicies(): void {
    const groups = isMapping(this.doc.groups) ? this.doc.groups : {};
    this.eachEntry('groups', (name, group, path) => {
      if (this.nodeNames.has(name)) this.report(path, `a group and a node template are both named '${name}'`);
      if (!this.checkKeys(group, path, GROUP_KEYS, 'a group')) return;
      if (!Array.isArray(group.members) || group.members.length === 0) return this.report(`${path}.members`, 'must be a non-empty list of node template or group names');
      group.members.forEach((member: unknown, index: number) => {
        if (typeof member !== 'string' || !(this.nodeNames.has(member) || member in groups)) this.report(`${path}.members[${index}]`, `${describe(member)} is not a node template or group of this blueprint`);
      });
    });
    const scaledGroups = new Map<string, string>();
    this.eachEntry('policies', (_name, policy, path) => {
      if (!this.checkKeys(policy, path, POLICY_KEYS, 'a policy')) return;
      if (policy.type !== SCALING_POLICY) this.report(`${path}.type`, `only ${SCALING_POLICY} policies are supported, got ${describe(policy.type)}`);
      if (!Array.isArray(policy.targets) || policy.targets.length === 0) this.report(`${path}.targets`, 'must be a non-empty list of group names');
      else {
        policy.targets.forEach((target: unknown, index: number) => {
          if (typeof target !== 'string' || !(target in groups)) this.report(`${path}.targets[${index}]`, `${describe(target)} is not a group (policy targets must be groups)`);
          else scaledGroups.set(target, path);
        });
      }
      if (policy.properties !== undefined) this.checkScalingProperties(policy.properties, `${path}.properties`);
    });
    // Cloudify: a node (or group) scales with at most one scaling group.
    const memberOf = new Map<string, string>();
    for (const group of [...scaledGroups.keys()].sort()) {
      const members = isMapping(groups[group]) && Array.isArray(groups[group].members) ? groups[group].members : [];
      for (const member of members) {
        if (typeof member !== 'string') continue;
        const other = memberOf.get(member);
        if (other !== undefined && other !== group) this.report(`groups.${group}.members`, `'${member}' is also a member of the scaling group '${other}'; a member scales with one group`);
        else memberOf.set(member, group);
      }
    }
  }

  private checkOutput(output: unknown, path: string, scope: 'output' | 'capability'): void {
    if (!this.checkKeys(output, path, OUTPUT_KEYS, `an ${scope === 'output' ? 'output' : 'capability'}`)) return;
    if (!('value' in output)) this.report(`${path}.value`, 'is required');
    else this.checkFunctions(output.value, `${path}.value`, scope);
    if (output.description !== undefined && typeof output.description !== 'string') this.report(`${path}.description`, 'must be a string');
  }

  /** Walks a value and checks every intrinsic function in it: shape, placement and references. */
  private checkFunctions(value: unknown, path: string, scope: Scope): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => this.checkFunctions(item, `${path}[${index}]`, scope));
      return;
    }
    const name = intrinsicName(value);
    if (name === undefined) {
      for (const [key, item] of Object.entries(value)) this.checkFunctions(item, `${path}.${key}`, scope);
      return;
    }
    const at = `${path}.${name}`;
    const args = (value as Mapping)[name];
    const problem = placementProblem(name, args, scope);
    if (problem) this.report(at, problem);
    this.checkFunctionArguments(name, args, at);
    this.checkFunctions(args, at, scope);
  }

  private checkFunctionArguments(name: string, args: unknown, path: string): void {
    switch (name) {
      case 'get_input': {
        const input = Array.isArray(args) ? args[0] : args;
        if (intrinsicName(input) !== undefined) return;
        if (typeof input !== 'string') return this.report(path, `takes an input name or [name, key...], got ${describe(args)}`);
        if (typeof input === 'string' && !this.inputNames.has(input)) this.report(path, `unknown input '${input}' (inputs: ${[...this.inputNames].sort().join(', ') || 'none'})`);
        return;
      }
      case 'get_attribute':
      case 'get_property':
      case 'get_attributes_list':
      case 'get_attributes_dict': {
        if (!Array.isArray(args) || args.length < 2) return this.report(path, `takes [node, name, key...], got ${describe(args)}`);
        const node = args[0];
        if (typeof node === 'string' && !NODE_KEYWORDS.includes(node) && !this.nodeNames.has(node)) this.report(path, `refers to unknown node template '${node}'`);
        if (name === 'get_property' && this.types && typeof node === 'string' && this.nodeNames.has(node) && typeof args[1] === 'string') this.checkPropertyExists(node, args[1], path);
        return;
      }
      case 'get_secret':
        if (typeof args !== 'string' && !(Array.isArray(args) && args.length > 1) && !intrinsicName(args)) this.report(path, `takes a secret name or [name, key...], got ${describe(args)}`);
        return;
      case 'get_capability':
        if (!Array.isArray(args) || args.length < 2) this.report(path, `takes [deployment, capability, key...], got ${describe(args)}`);
        return;
      case 'concat':
      case 'merge':
        if (!Array.isArray(args)) this.report(path, `takes a list, got ${describe(args)}`);
        return;
      default:
        return;
    }
  }

  private checkPropertyExists(node: string, property: string, path: string): void {
    const template = this.doc.node_templates[node];
    if (isMapping(template?.properties) && property in template.properties) return;
    try {
      const type = this.types!.nodeType(template?.type);
      if (!(property in type.properties)) this.report(path, `node template '${node}' has no property '${property}'`);
    } catch {
      // an unknown type is reported at the node template itself
    }
  }
}

function containsFunction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (intrinsicName(value) !== undefined) return true;
  return (Array.isArray(value) ? value : Object.values(value)).some(containsFunction);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const json = JSON.stringify(value);
    return json.length > 60 ? json.slice(0, 57) + '...' : json;
  } catch {
    return typeof value;
  }
}
