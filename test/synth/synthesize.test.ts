import { load } from 'js-yaml';
import { App, Stack } from '../../lib/core/app';
import { NodeType, RelationshipType } from '../../lib/core/custom-types';
import { Constraint, Input, InputType, Output, Secret } from '../../lib/core/inputs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Script } from '../../lib/core/operation';
import { Fn } from '../../lib/core/refs';
import { ScalingGroup } from '../../lib/core/scaling';
import { synthesizeApp } from '../../synth/synthesize';
import { typesFile } from '../../synth/synthesize';
import { validateBlueprint } from '../../synth/validate';
import { builtinCatalogue } from '../../lib/core/types';
import { COMMAND, blueprintOf, newStack, synthesized } from './support';

function command(scope: Stack, id: string, properties: object = {}) {
  return new NodeTemplate(scope, id, { type: COMMAND, properties: { create: 'true', ...properties } });
}

/** A stack using every feature once; the tests below each check one fact of its blueprint. */
function fullStack(): Stack {
  const app = new App({ description: 'A demo' });
  const stack = new Stack(app, 'demo');
  const port = new Input(stack, 'port', { type: InputType.INTEGER, default: 8080, constraints: [Constraint.inRange(1, 65535)] });
  const db = command(stack, 'Db', { env: { PASSWORD: Secret.fromName('db_password') } });
  const web = command(stack, 'Web', { env: { PORT: port.value, DB: db.attr('ip') } });
  web.connectTo(db, { source: { establish: { implementation: 'hybrid.local.command.create', inputs: { token: Fn.targetAttribute('token') } } } });
  web.addOperation('cloudify.interfaces.lifecycle', 'configure', { implementation: Script.inline('configure.sh', '#!/bin/sh\necho configured\n'), maxRetries: 2 });
  new ScalingGroup(stack, 'frontends', { members: [web], defaultInstances: 2, maxInstances: 4 });
  new Output(stack, 'url', { value: Fn.concat('http://', web.attr('ip'), ':', port.value), description: 'Where the site is' });
  new Output(stack, 'db_ip', { value: db.attr('ip'), capability: true });
  return stack;
}

describe('synthesized blueprint', () => {
  test('declares Cloudify DSL 1.4', () => {
    expect(blueprintOf(fullStack()).tosca_definitions_version).toBe('cloudify_dsl_1_4');
  });

  test("imports Cloudify's types and the hybrid types file written next to it", () => {
    const stack = synthesized(fullStack());
    expect([stack.blueprint.imports, Object.keys(stack.files).includes('hybrid-types.yaml')]).toEqual([['cloudify/types/types.yaml', 'hybrid-types.yaml'], true]);
  });

  test('takes the description from the app when the stack has none', () => {
    expect(blueprintOf(fullStack()).description).toBe('A demo');
  });

  test('maps node template names to construct paths in the metadata', () => {
    expect(blueprintOf(fullStack()).metadata.hybrid.constructs).toEqual({ db: 'Db', web: 'Web' });
  });

  test('writes inputs with type, default and constraints', () => {
    expect(blueprintOf(fullStack()).inputs.port).toEqual({ type: 'integer', default: 8080, constraints: [{ in_range: [1, 65535] }] });
  });

  test('lists node templates sorted by name', () => {
    expect(Object.keys(blueprintOf(fullStack()).node_templates)).toEqual(['db', 'web']);
  });

  test('an attribute reference orders the referenced node first with an implicit depends_on', () => {
    const stack = newStack();
    const db = command(stack, 'Db');
    command(stack, 'Web', { env: { DB: db.attr('ip') } });
    expect(blueprintOf(stack).node_templates.web.relationships).toEqual([{ type: 'cloudify.relationships.depends_on', target: 'db' }]);
  });

  test('an attribute reference inside Fn.concat also orders the node first', () => {
    const stack = newStack();
    const db = command(stack, 'Db');
    command(stack, 'Web', { create: Fn.concat('ping ', db.attr('ip')) });
    expect(blueprintOf(stack).node_templates.web.relationships[0].target).toBe('db');
  });

  test('no implicit depends_on is added when a relationship to the node already exists', () => {
    expect(blueprintOf(fullStack()).node_templates.web.relationships.map((r: any) => r.type)).toEqual(['cloudify.relationships.connected_to']);
  });

  test('a property reference does not add a dependency', () => {
    const stack = newStack();
    const db = command(stack, 'Db');
    command(stack, 'Web', { env: { DB: db.prop('create') } });
    expect(blueprintOf(stack).node_templates.web.relationships).toBeUndefined();
  });

  test('relationship operations go under cloudify.interfaces.relationship_lifecycle on their side', () => {
    const establish = blueprintOf(fullStack()).node_templates.web.relationships[0].source_interfaces['cloudify.interfaces.relationship_lifecycle'].establish;
    expect(establish).toEqual({ implementation: 'hybrid.local.command.create', inputs: { token: { get_attribute: ['TARGET', 'token'] } } });
  });

  test('operation settings are written in snake_case', () => {
    expect(blueprintOf(fullStack()).node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.max_retries).toBe(2);
  });

  test('a Script operation is referenced by its path relative to the blueprint', () => {
    expect(blueprintOf(fullStack()).node_templates.web.interfaces['cloudify.interfaces.lifecycle'].configure.implementation).toBe('scripts/web/configure.sh');
  });

  test('a Script operation is written under scripts/<node>/', () => {
    expect(synthesized(fullStack()).files['scripts/web/configure.sh']).toBe('#!/bin/sh\necho configured\n');
  });

  test('node instances become the scalable capability', () => {
    const stack = newStack();
    new NodeTemplate(stack, 'Worker', { type: COMMAND, properties: { create: 'true' }, instances: { default: 3, max: 5 } });
    expect(blueprintOf(stack).node_templates.worker.capabilities).toEqual({ scalable: { properties: { default_instances: 3, min_instances: 0, max_instances: 5 } } });
  });

  test('a scaling group becomes a group with its members', () => {
    expect(blueprintOf(fullStack()).groups).toEqual({ frontends: { members: ['web'] } });
  });

  test('a scaling group gets a cloudify.policies.scaling policy that targets it', () => {
    expect(blueprintOf(fullStack()).policies).toEqual({
      'frontends-scaling': { type: 'cloudify.policies.scaling', properties: { default_instances: 2, min_instances: 0, max_instances: 4 }, targets: ['frontends'] },
    });
  });

  test('outputs resolve their references', () => {
    expect(blueprintOf(fullStack()).outputs.url.value).toEqual({ concat: ['http://', { get_attribute: ['web', 'ip'] }, ':', { get_input: 'port' }] });
  });

  test('a capability output goes to the capabilities section, not outputs', () => {
    const blueprint = blueprintOf(fullStack());
    expect([Object.keys(blueprint.capabilities), Object.keys(blueprint.outputs)]).toEqual([['db_ip'], ['url']]);
  });

  test('a node type the program defines is written to node_types', () => {
    const stack = newStack();
    new NodeType(stack, 'CacheType', { name: 'acme.nodes.Cache', properties: { size: { type: 'integer', default: 1 } } });
    new NodeTemplate(stack, 'Cache', { type: 'acme.nodes.Cache', properties: { size: 2 } });
    expect(blueprintOf(stack).node_types).toEqual({ 'acme.nodes.Cache': { derived_from: 'cloudify.nodes.Root', properties: { size: { type: 'integer', default: 1 } } } });
  });

  test('a relationship type the program defines is written to relationships', () => {
    const stack = newStack();
    new RelationshipType(stack, 'Joins', { name: 'acme.relationships.joins' });
    const [master, worker] = ['Master', 'Worker'].map((id) => command(stack, id));
    worker.addRelationship({ type: 'acme.relationships.joins', target: master });
    expect(blueprintOf(stack).relationships).toEqual({ 'acme.relationships.joins': { derived_from: 'cloudify.relationships.connected_to' } });
  });

  test('every stack of an app is synthesized, in creation order', () => {
    const app = new App();
    new Stack(app, 'network');
    new Stack(app, 'cluster');
    expect(synthesizeApp(app).map((s) => s.stackName)).toEqual(['network', 'cluster']);
  });

  test('the same program gives byte-identical files', () => {
    const first = synthesized(fullStack()).files;
    const second = synthesized(fullStack()).files;
    expect(second).toEqual(first);
  });

  test('the YAML reads back as the blueprint document', () => {
    const stack = synthesized(fullStack());
    expect(load(stack.files['blueprint.yaml'])).toEqual(JSON.parse(JSON.stringify(stack.blueprint)));
  });

  test('the blueprint passes validateBlueprint with the built-in catalogue', () => {
    expect(validateBlueprint(blueprintOf(fullStack()), builtinCatalogue())).toEqual([]);
  });

  test('the types file passes validateBlueprint', () => {
    expect(validateBlueprint(load(typesFile()))).toEqual([]);
  });

  test('the types file declares the hybrid plugin on the central deployment agent', () => {
    expect((load(typesFile()) as any).plugins.hybrid.executor).toBe('central_deployment_agent');
  });

  test('the types file keeps no type-level description (Cloudify rejects it)', () => {
    const types = (load(typesFile()) as any).node_types;
    expect(Object.values(types).filter((type: any) => 'description' in type)).toEqual([]);
  });
});
