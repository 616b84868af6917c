import { load } from 'js-yaml';
import { builtinCatalogue } from '../../lib/core/types';
import { validateBlueprint } from '../../synth/validate';

/** A small valid hand-written blueprint; each test breaks one rule in a copy of it. */
const VALID = `
tosca_definitions_version: cloudify_dsl_1_4
imports:
  - cloudify/types/types.yaml
  - hybrid-types.yaml
inputs:
  port:
    type: integer
    default: 8080
    constraints:
      - in_range: [1, 65535]
node_templates:
  vm:
    type: hybrid.nodes.local.Command
    properties:
      create: echo vm
  db:
    type: hybrid.nodes.local.Command
    properties:
      create: echo db
    relationships:
      - type: cloudify.relationships.contained_in
        target: vm
  web:
    type: hybrid.nodes.local.Command
    properties:
      create: { concat: ['serve --port ', { get_input: port }] }
      env:
        DB: { get_attribute: [db, ip] }
    interfaces:
      cloudify.interfaces.lifecycle:
        configure:
          implementation: hybrid.local.command.create
          inputs:
            me: { get_attribute: [SELF, pid] }
          max_retries: 3
    relationships:
      - type: cloudify.relationships.connected_to
        target: db
        source_interfaces:
          cloudify.interfaces.relationship_lifecycle:
            establish:
              implementation: hybrid.local.command.create
              inputs:
                token: { get_attribute: [TARGET, token] }
    capabilities:
      scalable:
        properties: { default_instances: 2, min_instances: 1, max_instances: 4 }
groups:
  backends:
    members: [db, vm]
policies:
  backends-scaling:
    type: cloudify.policies.scaling
    properties: { default_instances: 1 }
    targets: [backends]
outputs:
  url:
    value: { concat: ['http://', { get_attribute: [web, ip] }] }
`;

function blueprint(change?: (doc: any) => void): any {
  const doc = load(VALID) as any;
  change?.(doc);
  return doc;
}

/** The problems of a changed copy of the valid blueprint, validated with the built-in catalogue. */
function problems(change: (doc: any) => void): string[] {
  return validateBlueprint(blueprint(change), builtinCatalogue());
}

describe('validateBlueprint', () => {
  test('accepts the valid hand-written blueprint', () => {
    expect(validateBlueprint(blueprint(), builtinCatalogue())).toEqual([]);
  });

  test('accepts the valid blueprint without a catalogue', () => {
    expect(validateBlueprint(blueprint())).toEqual([]);
  });

  describe('sections and keys', () => {
    test('fails if the document is not a mapping', () => {
      expect(validateBlueprint(['node_templates'])).toEqual([expect.stringContaining('(document): a blueprint is a mapping')]);
    });

    test('fails if a top-level section is not in the schema', () => {
      expect(problems((doc) => (doc.upload_resources = {}))).toEqual([expect.stringMatching(/^upload_resources: 'upload_resources' is not a blueprint section/)]);
    });

    test('fails if tosca_definitions_version is missing', () => {
      expect(problems((doc) => delete doc.tosca_definitions_version)).toEqual(['tosca_definitions_version: is required (cloudify_dsl_1_4)']);
    });

    test('fails if tosca_definitions_version is not cloudify_dsl_1_x', () => {
      expect(problems((doc) => (doc.tosca_definitions_version = 'tosca_simple_yaml_1_0'))).toEqual([expect.stringMatching(/^tosca_definitions_version: must be cloudify_dsl_1_/)]);
    });

    test('fails if a node template has a key outside the schema', () => {
      expect(problems((doc) => (doc.node_templates.web.bogus = 1))).toEqual([expect.stringMatching(/^node_templates\.web\.bogus: 'bogus' is not allowed in a node template/)]);
    });

    test('fails if a relationship has a key outside the schema', () => {
      expect(problems((doc) => (doc.node_templates.db.relationships[0].weight = 1))).toEqual([expect.stringMatching(/^node_templates\.db\.relationships\[0\]\.weight: /)]);
    });

    test('fails if an operation has a key outside the schema', () => {
      const path = 'node_templates.web.interfaces.cloudify.interfaces.lifecycle.configure.retries';
      expect(problems((doc) => (doc.node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.retries = 3))).toEqual([expect.stringContaining(`${path}: 'retries' is not allowed in an operation`)]);
    });

    test('fails if an input has a key outside the schema', () => {
      expect(problems((doc) => (doc.inputs.port.secret = true))).toEqual([expect.stringMatching(/^inputs\.port\.secret: /)]);
    });

    test('fails if an output has a key outside the schema', () => {
      expect(problems((doc) => (doc.outputs.url.sensitive = true))).toEqual([expect.stringMatching(/^outputs\.url\.sensitive: /)]);
    });

    test('fails if an output has no value', () => {
      expect(problems((doc) => delete doc.outputs.url.value)).toEqual(['outputs.url.value: is required']);
    });

    test('fails if a node type definition has a description (not in the node type schema)', () => {
      expect(problems((doc) => (doc.node_types = { 'acme.nodes.X': { derived_from: 'cloudify.nodes.Root', description: 'x' } }))).toEqual([
        expect.stringMatching(/^node_types\.acme\.nodes\.X\.description: /),
      ]);
    });

    test('fails if an operation max_retries is below -1', () => {
      expect(problems((doc) => (doc.node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.max_retries = -2))).toEqual([expect.stringContaining('.configure.max_retries: must be an integer >= -1')]);
    });
  });

  describe('relationships', () => {
    test('fails if a relationship target does not exist', () => {
      expect(problems((doc) => (doc.node_templates.web.relationships[0].target = 'cache'))).toEqual(["node_templates.web.relationships[0].target: 'cache' is not a node template of this blueprint"]);
    });

    test('fails if a node has two relationships derived from contained_in', () => {
      expect(problems((doc) => doc.node_templates.db.relationships.push({ type: 'cloudify.relationships.contained_in', target: 'web' }))).toContain(
        'node_templates.db.relationships: at most one relationship may derive from cloudify.relationships.contained_in, found 2: vm (node_templates.db.relationships[0]), web (node_templates.db.relationships[1])',
      );
    });

    test('counts a blueprint-defined type derived from contained_in as a host relationship, without a catalogue', () => {
      const doc = blueprint((d) => {
        d.relationships = { 'acme.runs_on': { derived_from: 'cloudify.relationships.contained_in' } };
        d.node_templates.db.relationships.push({ type: 'acme.runs_on', target: 'web' });
        d.node_templates.web.relationships = [];
      });
      expect(validateBlueprint(doc)).toEqual([expect.stringMatching(/^node_templates\.db\.relationships: at most one relationship may derive from/)]);
    });

    test('fails if relationships form a cycle', () => {
      expect(problems((doc) => (doc.node_templates.vm.relationships = [{ type: 'cloudify.relationships.depends_on', target: 'web' }]))).toEqual([
        'node_templates: the relationships form a cycle: db -> vm -> web -> db',
      ]);
    });

    test('fails if a relationship type is unknown to the catalogue', () => {
      expect(problems((doc) => (doc.node_templates.db.relationships[0].type = 'acme.relationships.runs_on'))).toEqual([
        "node_templates.db.relationships[0].type: unknown relationship type 'acme.relationships.runs_on'",
      ]);
    });

    test('fails if a relationship property is not declared by its type', () => {
      expect(problems((doc) => (doc.node_templates.db.relationships[0].properties = { conection_type: 'all_to_one' }))).toEqual([
        expect.stringMatching(/^node_templates\.db\.relationships\[0\]\.properties\.conection_type: 'conection_type' is not declared by relationship type/),
      ]);
    });
  });

  describe('types and properties (with a catalogue)', () => {
    test('fails if a node type is unknown', () => {
      expect(problems((doc) => (doc.node_templates.vm.type = 'acme.nodes.Vm'))).toEqual(["node_templates.vm.type: unknown node type 'acme.nodes.Vm'"]);
    });

    test('fails if a property is not declared by the node type, listing the declared names', () => {
      expect(problems((doc) => (doc.node_templates.vm.properties.comand = 'x'))).toEqual([
        "node_templates.vm.properties.comand: 'comand' is not declared by node type 'hybrid.nodes.local.Command' (declared: create, cwd, delete, env, resource_id, triggers, update, use_external_resource)",
      ]);
    });

    test('fails if a required property is missing', () => {
      expect(problems((doc) => delete doc.node_templates.vm.properties.create)).toEqual(["node_templates.vm.properties: required property 'create' of node type 'hybrid.nodes.local.Command' is missing"]);
    });

    test('fails if a literal property has the wrong type', () => {
      expect(problems((doc) => (doc.node_templates.vm.properties.env = 'A=1'))).toEqual(['node_templates.vm.properties.env: must be a dict, got "A=1"']);
    });

    test('fails if an implementation names no declared plugin', () => {
      expect(problems((doc) => (doc.node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.implementation = 'fabric.tasks.run'))).toEqual([
        expect.stringContaining("'fabric.tasks.run' names no declared plugin ('fabric')"),
      ]);
    });

    test('accepts a script path as an implementation', () => {
      expect(problems((doc) => (doc.node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.implementation = 'scripts/web/configure.sh'))).toEqual([]);
    });

    test('fails if use_external_resource is a function', () => {
      expect(problems((doc) => (doc.node_templates.vm.properties.use_external_resource = { get_input: 'port' }))).toEqual([
        expect.stringMatching(/^node_templates\.vm\.properties\.use_external_resource: must be a literal true or false/),
      ]);
    });

    test('fails if use_external_resource is a string, even without a catalogue', () => {
      expect(validateBlueprint(blueprint((doc) => (doc.node_templates.vm.properties.use_external_resource = 'true')))).toEqual([
        expect.stringMatching(/^node_templates\.vm\.properties\.use_external_resource: /),
      ]);
    });

    test('fails if get_property names a property the node does not have', () => {
      expect(problems((doc) => (doc.outputs.url.value = { get_property: ['vm', 'flavor'] }))).toEqual(["outputs.url.value.get_property: node template 'vm' has no property 'flavor'"]);
    });
  });

  describe('intrinsic function placement', () => {
    test('fails if get_attribute SELF is used in an output', () => {
      expect(problems((doc) => (doc.outputs.url.value = { get_attribute: ['SELF', 'ip'] }))).toEqual([
        'outputs.url.value.get_attribute: get_attribute with SELF cannot be used in an output; name the node instead',
      ]);
    });

    test('fails if TARGET is used in a node operation input', () => {
      expect(problems((doc) => (doc.node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.inputs.me = { get_attribute: ['TARGET', 'ip'] }))).toEqual([
        expect.stringMatching(/configure\.inputs\.me\.get_attribute: get_attribute with TARGET cannot be used in a node operation input/),
      ]);
    });

    test('fails if SOURCE is used in a node property', () => {
      expect(problems((doc) => (doc.node_templates.web.properties.env.DB = { get_property: ['SOURCE', 'create'] }))).toEqual([
        'node_templates.web.properties.env.DB.get_property: get_property with SOURCE cannot be used in a node property; use SELF, or name the node',
      ]);
    });

    test('fails if SELF is used in a relationship operation input', () => {
      const path = 'node_templates.web.relationships[0].source_interfaces.cloudify.interfaces.relationship_lifecycle.establish.inputs.token.get_attribute';
      expect(problems((doc) => (doc.node_templates.web.relationships[0].source_interfaces['cloudify.interfaces.relationship_lifecycle'].establish.inputs.token = { get_attribute: ['SELF', 'x'] }))).toEqual([
        `${path}: get_attribute with SELF cannot be used in a relationship operation input; use SOURCE or TARGET, or name the node`,
      ]);
    });

    test('fails if TARGET is used in a relationship property', () => {
      expect(problems((doc) => (doc.node_templates.db.relationships[0].properties = { connection_type: { get_attribute: ['TARGET', 'mode'] } }))).toEqual([
        expect.stringMatching(/^node_templates\.db\.relationships\[0\]\.properties\.connection_type\.get_attribute: get_attribute with TARGET cannot be used in a relationship property/),
      ]);
    });

    test('fails if a static function takes a runtime function as its argument', () => {
      expect(problems((doc) => (doc.node_templates.web.properties.env.DB = { get_input: { get_attribute: ['db', 'name'] } }))).toEqual([
        expect.stringMatching(/^node_templates\.web\.properties\.env\.DB\.get_input: get_input cannot take a runtime function/),
      ]);
    });

    test('fails if get_input names an unknown input', () => {
      expect(problems((doc) => (doc.node_templates.web.properties.env.DB = { get_input: 'db_host' }))).toEqual(["node_templates.web.properties.env.DB.get_input: unknown input 'db_host' (inputs: port)"]);
    });

    test('fails if get_attribute names an unknown node template', () => {
      expect(problems((doc) => (doc.outputs.url.value = { get_attribute: ['cache', 'ip'] }))).toEqual(["outputs.url.value.get_attribute: refers to unknown node template 'cache'"]);
    });

    test('fails if get_attribute has fewer than two arguments', () => {
      expect(problems((doc) => (doc.outputs.url.value = { get_attribute: ['web'] }))).toEqual([expect.stringMatching(/^outputs\.url\.value\.get_attribute: takes \[node, name, key\.\.\.\]/)]);
    });

    test('fails if an input default uses get_attribute', () => {
      expect(problems((doc) => (doc.inputs.host = { default: { get_attribute: ['web', 'ip'] } }))).toEqual([expect.stringMatching(/^inputs\.host\.default\.get_attribute: get_attribute cannot be used in an input default/)]);
    });

    test('checks functions nested inside concat', () => {
      expect(problems((doc) => (doc.outputs.url.value.concat.push({ get_attribute: ['SELF', 'port'] })))).toEqual([expect.stringMatching(/^outputs\.url\.value\.concat\[2\]\.get_attribute: get_attribute with SELF/)]);
    });
  });

  describe('inputs', () => {
    test('fails if an input default does not match its type', () => {
      expect(problems((doc) => (doc.inputs.port.default = 'eighty'))).toEqual(["inputs.port.default: the default of input 'port' must be of type integer, got \"eighty\""]);
    });

    test('fails if an input default violates a constraint', () => {
      expect(problems((doc) => (doc.inputs.port.default = 70000))).toEqual(["inputs.port.default: the default of input 'port' 70000 violates constraint in_range: [1,65535]"]);
    });

    test('fails if a constraint is unknown', () => {
      expect(problems((doc) => (doc.inputs.port.constraints = [{ between: [1, 2] }]))).toEqual([expect.stringMatching(/^inputs\.port\.constraints\[0\]: unknown constraint 'between'/)]);
    });

    test('fails if an input type is unknown', () => {
      expect(problems((doc) => (doc.inputs.port.type = 'number'))).toEqual([expect.stringMatching(/^inputs\.port\.type: unknown input type "number"/)]);
    });
  });

  describe('groups, policies and scaling', () => {
    test('fails if a policy is not a scaling policy', () => {
      expect(problems((doc) => (doc.policies['backends-scaling'].type = 'cloudify.policies.autoheal'))).toEqual([expect.stringMatching(/^policies\.backends-scaling\.type: only cloudify\.policies\.scaling policies are supported/)]);
    });

    test('fails if a policy targets a node instead of a group', () => {
      expect(problems((doc) => (doc.policies['backends-scaling'].targets = ['web']))).toEqual(['policies.backends-scaling.targets[0]: "web" is not a group (policy targets must be groups)']);
    });

    test('fails if a group member does not exist', () => {
      expect(problems((doc) => doc.groups.backends.members.push('cache'))).toEqual(['groups.backends.members[2]: "cache" is not a node template or group of this blueprint']);
    });

    test('fails if a group has no members', () => {
      expect(problems((doc) => (doc.groups.backends.members = []))).toEqual(['groups.backends.members: must be a non-empty list of node template or group names']);
    });

    test('fails if a group and a node template share a name', () => {
      expect(problems((doc) => (doc.groups.web = { members: ['db'] }))).toContain("groups.web: a group and a node template are both named 'web'");
    });

    test('fails if a node is a member of two scaling groups', () => {
      expect(
        problems((doc) => {
          doc.groups.more = { members: ['db'] };
          doc.policies.more = { type: 'cloudify.policies.scaling', targets: ['more'] };
        }),
      ).toEqual(["groups.more.members: 'db' is also a member of the scaling group 'backends'; a member scales with one group"]);
    });

    test('fails if scaling default_instances is above max_instances', () => {
      expect(problems((doc) => (doc.node_templates.web.capabilities.scalable.properties.default_instances = 5))).toEqual([
        'node_templates.web.capabilities.scalable.properties: default_instances (5) is above max_instances (4)',
      ]);
    });

    test('accepts UNBOUNDED as max_instances', () => {
      expect(problems((doc) => (doc.policies['backends-scaling'].properties.max_instances = 'UNBOUNDED'))).toEqual([]);
    });

    test('fails if a node capability other than scalable is declared', () => {
      expect(problems((doc) => (doc.node_templates.web.capabilities.endpoint = {}))).toEqual([expect.stringMatching(/^node_templates\.web\.capabilities\.endpoint: /)]);
    });
  });
});
