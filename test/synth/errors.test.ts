import { App, Stack } from '../../lib/core/app';
import { NodeType, RelationshipType } from '../../lib/core/custom-types';
import { ErrorCode } from '../../lib/core/errors';
import { Input, Output } from '../../lib/core/inputs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Script } from '../../lib/core/operation';
import { Fn } from '../../lib/core/refs';
import { ScalingGroup } from '../../lib/core/scaling';
import { Construct } from 'constructs';
import { synthesizeApp } from '../../synth/synthesize';
import { COMMAND, blueprintOf, errorCodeOf, hybridErrorFrom, newStack } from './support';

function command(scope: Construct, id: string, properties: object = {}) {
  return new NodeTemplate(scope, id, { type: COMMAND, properties: { create: 'true', ...properties } });
}

describe('DuplicateName', () => {
  function collidingStack() {
    const stack = newStack();
    command(stack, 'WebServer');
    command(new Construct(stack, 'Web'), 'Server');
    return stack;
  }

  test('fails if two constructs get the same node template name', () => {
    expect(errorCodeOf(() => blueprintOf(collidingStack()))).toBe(ErrorCode.DuplicateName);
  });

  test('the error names both construct paths', () => {
    const message = hybridErrorFrom(() => blueprintOf(collidingStack())).message;
    expect([message.includes('demo/WebServer'), message.includes('demo/Web/Server')]).toEqual([true, true]);
  });

  test("the error points at the program's file and line", () => {
    expect(hybridErrorFrom(() => blueprintOf(collidingStack())).location).toMatch(/errors\.test\.ts:\d+:\d+$/);
  });

  test('fails if two explicit names are the same', () => {
    const stack = newStack();
    new NodeTemplate(stack, 'A', { type: COMMAND, properties: { create: 'true' }, name: 'web' });
    new NodeTemplate(stack, 'B', { type: COMMAND, properties: { create: 'true' }, name: 'web' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.DuplicateName);
  });

  test('fails if a scaling group has the name of a node template', () => {
    const stack = newStack();
    const web = command(stack, 'Web');
    new ScalingGroup(stack, 'web', { members: [web] });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.DuplicateName);
  });

  test('fails if two different scripts of one node share a file name', () => {
    const stack = newStack();
    const web = command(stack, 'Web');
    web.addOperation('cloudify.interfaces.lifecycle', 'configure', { implementation: Script.inline('run.sh', 'echo a') });
    web.addOperation('cloudify.interfaces.lifecycle', 'start', { implementation: Script.inline('run.sh', 'echo b') });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.DuplicateName);
  });
});

describe('CycleDetected', () => {
  function cyclicStack(extra?: (stack: Stack) => void) {
    const stack = newStack();
    const a = command(stack, 'A');
    const b = command(stack, 'B', { env: { A: a.attr('ip') } });
    const c = command(stack, 'C');
    extra?.(stack);
    c.dependsOn(b);
    a.dependsOn(c);
    return stack;
  }

  test('fails if relationships and attribute references form a cycle', () => {
    expect(errorCodeOf(() => blueprintOf(cyclicStack()))).toBe(ErrorCode.CycleDetected);
  });

  test('the error names the path with construct paths, starting at the smallest name', () => {
    expect(hybridErrorFrom(() => blueprintOf(cyclicStack())).message).toContain('a (demo/A) -> c (demo/C) -> b (demo/B) -> a (demo/A)');
  });

  test('the path is reported the same way when unrelated nodes are added', () => {
    const withOthers = cyclicStack((stack) => {
      const first = command(stack, 'Aardvark');
      first.dependsOn(command(stack, 'Zebra'));
    });
    expect(hybridErrorFrom(() => blueprintOf(withOthers)).message).toContain('a (demo/A) -> c (demo/C) -> b (demo/B) -> a (demo/A)');
  });

  test("the error points at the program's file and line", () => {
    expect(hybridErrorFrom(() => blueprintOf(cyclicStack())).location).toMatch(/errors\.test\.ts:\d+:\d+$/);
  });
});

describe('DanglingRef', () => {
  function twoStacks() {
    const app = new App();
    return { app, network: new Stack(app, 'network'), cluster: new Stack(app, 'cluster') };
  }

  test('fails if a node refers to a node of another stack', () => {
    const { app, network, cluster } = twoStacks();
    const router = command(network, 'Router');
    command(cluster, 'Vm', { env: { ROUTER: router.attr('ip') } });
    expect(errorCodeOf(() => synthesizeApp(app))).toBe(ErrorCode.DanglingRef);
  });

  test('fails if a node uses an input of another stack', () => {
    const { app, network, cluster } = twoStacks();
    const cidr = new Input(network, 'cidr');
    command(cluster, 'Vm', { env: { CIDR: cidr.value } });
    expect(errorCodeOf(() => synthesizeApp(app))).toBe(ErrorCode.DanglingRef);
  });

  test('fails if a relationship targets a node of another stack', () => {
    const { app, network, cluster } = twoStacks();
    const router = command(network, 'Router');
    command(cluster, 'Vm').dependsOn(router);
    expect(errorCodeOf(() => synthesizeApp(app))).toBe(ErrorCode.DanglingRef);
  });

  test('fails if a scaling group has a member of another stack', () => {
    const { app, network, cluster } = twoStacks();
    const router = command(network, 'Router');
    new ScalingGroup(cluster, 'workers', { members: [router] });
    expect(errorCodeOf(() => synthesizeApp(app))).toBe(ErrorCode.DanglingRef);
  });

  test('the error names the referring construct and the one it refers to', () => {
    const { app, network, cluster } = twoStacks();
    const router = command(network, 'Router');
    command(cluster, 'Vm', { env: { ROUTER: router.attr('ip') } });
    const error = hybridErrorFrom(() => synthesizeApp(app));
    expect([error.path, error.message.includes('network/Router')]).toEqual(['cluster/Vm', true]);
  });

  test("the error points at the program's file and line", () => {
    const { app, network, cluster } = twoStacks();
    const router = command(network, 'Router');
    command(cluster, 'Vm', { env: { ROUTER: router.attr('ip') } });
    expect(hybridErrorFrom(() => synthesizeApp(app)).location).toMatch(/errors\.test\.ts:\d+:\d+$/);
  });
});

describe('MisplacedRef', () => {
  test('fails if SELF is used in an output', () => {
    const stack = newStack();
    new Output(stack, 'pid', { value: Fn.selfAttribute('pid') });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MisplacedRef);
  });

  test('fails if TARGET is used in a node operation input', () => {
    const stack = newStack();
    const web = command(stack, 'Web');
    web.addOperation('cloudify.interfaces.lifecycle', 'configure', { implementation: 'hybrid.local.command.create', inputs: { token: Fn.targetAttribute('token') } });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MisplacedRef);
  });

  test('fails if SOURCE is used in a node property', () => {
    const stack = newStack();
    command(stack, 'Web', { env: { SOURCE_IP: Fn.sourceAttribute('ip') } });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MisplacedRef);
  });

  test('fails if SELF is used in a relationship operation input', () => {
    const stack = newStack();
    const [a, b] = [command(stack, 'A'), command(stack, 'B')];
    a.connectTo(b, { source: { preconfigure: { implementation: 'hybrid.local.command.create', inputs: { me: Fn.selfAttribute('ip') } } } });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MisplacedRef);
  });

  test('fails if an attribute is used in an input default', () => {
    const stack = newStack();
    const web = command(stack, 'Web');
    new Input(stack, 'address', { default: web.attr('ip') });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MisplacedRef);
  });

  test('the error says where the keyword is allowed', () => {
    const stack = newStack();
    command(stack, 'Web', { env: { SOURCE_IP: Fn.sourceAttribute('ip') } });
    expect(hybridErrorFrom(() => blueprintOf(stack)).message).toContain('get_attribute with SOURCE cannot be used in a node property; use SELF, or name the node');
  });

  test("the output error carries the output's path and the program's file and line", () => {
    const stack = newStack();
    new Output(stack, 'pid', { value: Fn.selfAttribute('pid') });
    const error = hybridErrorFrom(() => blueprintOf(stack));
    expect([error.path, error.location]).toEqual(['demo/pid', expect.stringMatching(/errors\.test\.ts:\d+:\d+$/)]);
  });
});

describe('property schema', () => {
  test('fails if a property is not declared by the node type', () => {
    const stack = newStack();
    command(stack, 'Web', { comand: 'typo' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.UnknownProperty);
  });

  test('the unknown-property error lists the declared names', () => {
    const stack = newStack();
    command(stack, 'Web', { comand: 'typo' });
    expect(hybridErrorFrom(() => blueprintOf(stack)).message).toContain('(declared: create, cwd, delete, env, resource_id, triggers, update, use_external_resource)');
  });

  test('fails if a required property is missing', () => {
    const stack = newStack();
    new NodeTemplate(stack, 'Web', { type: COMMAND });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.MissingProperty);
  });

  test('a required property may be missing when use_external_resource is true', () => {
    const stack = newStack();
    new NodeTemplate(stack, 'Web', { type: COMMAND, properties: { use_external_resource: true } });
    expect(blueprintOf(stack).node_templates.web.properties).toEqual({ use_external_resource: true });
  });

  test('fails if use_external_resource is a reference', () => {
    const stack = newStack();
    const flag = new Input(stack, 'external');
    command(stack, 'Web', { use_external_resource: flag.value });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a literal property value has the wrong type', () => {
    const stack = newStack();
    command(stack, 'Web', { env: 'PORT=80' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a relationship property is not declared by the relationship type', () => {
    const stack = newStack();
    const [a, b] = [command(stack, 'A'), command(stack, 'B')];
    a.addRelationship({ type: 'cloudify.relationships.depends_on', target: b, properties: { conection_type: 'all_to_one' } });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.UnknownProperty);
  });

  test("schema errors carry the construct path and the program's file and line", () => {
    const stack = newStack();
    command(stack, 'Web', { comand: 'typo' });
    const error = hybridErrorFrom(() => blueprintOf(stack));
    expect([error.path, error.location]).toEqual(['demo/Web', expect.stringMatching(/errors\.test\.ts:\d+:\d+$/)]);
  });
});

describe('types and relationships', () => {
  test('fails if the node type is unknown', () => {
    const stack = newStack();
    new NodeTemplate(stack, 'Web', { type: 'acme.nodes.Web' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a relationship type is unknown', () => {
    const stack = newStack();
    const [a, b] = [command(stack, 'A'), command(stack, 'B')];
    a.addRelationship({ type: 'acme.relationships.joins', target: b });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a node has two relationships derived from contained_in', () => {
    const stack = newStack();
    new RelationshipType(stack, 'RunsOn', { name: 'acme.relationships.runs_on', derivedFrom: 'cloudify.relationships.contained_in' });
    const [vm1, vm2, app] = [command(stack, 'Vm1'), command(stack, 'Vm2'), command(stack, 'App')];
    app.containedIn(vm1);
    app.addRelationship({ type: 'acme.relationships.runs_on', target: vm2 });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a program relationship type does not derive from depends_on', () => {
    const stack = newStack();
    new RelationshipType(stack, 'Odd', { name: 'acme.relationships.odd', derivedFrom: 'acme.relationships.missing' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if two program node types share a name', () => {
    const stack = newStack();
    new NodeType(stack, 'One', { name: 'acme.nodes.Cache' });
    new NodeType(stack, 'Two', { name: 'acme.nodes.Cache' });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.DuplicateName);
  });

  test('fails if an operation names no declared plugin', () => {
    const stack = newStack();
    command(stack, 'Web').addOperation('cloudify.interfaces.lifecycle', 'start', 'fabric.tasks.run');
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.ProviderMissing);
  });

  test('fails if a node is a member of two scaling groups', () => {
    const stack = newStack();
    const web = command(stack, 'Web');
    new ScalingGroup(stack, 'one', { members: [web] });
    new ScalingGroup(stack, 'two', { members: [web] });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a property holds a construct instead of a reference', () => {
    const stack = newStack();
    const db = command(stack, 'Db');
    command(stack, 'Web', { env: { DB: db } });
    expect(hybridErrorFrom(() => blueprintOf(stack)).message).toContain('holds the construct demo/Db itself');
  });

  test('fails if a property holds a class instance such as a Date', () => {
    const stack = newStack();
    command(stack, 'Web', { env: { WHEN: new Date(0) } });
    expect(errorCodeOf(() => blueprintOf(stack))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if the app has no stack', () => {
    expect(errorCodeOf(() => synthesizeApp(new App()))).toBe(ErrorCode.InvalidProps);
  });
});
