import { ErrorCode } from '../../lib/core/errors';
import { CONTAINED_IN, NodeTemplate } from '../../lib/core/node-template';
import { Script } from '../../lib/core/operation';
import { COMMAND, errorCodeOf, hybridErrorFrom, newStack } from '../synth/support';

function node(id = 'Web', extra: object = {}) {
  const stack = newStack();
  return new NodeTemplate(stack, id, { type: COMMAND, properties: { create: 'true' }, ...extra });
}

describe('NodeTemplate', () => {
  test('keeps relationships in declaration order', () => {
    const stack = newStack();
    const [a, b, c] = ['A', 'B', 'C'].map((id) => new NodeTemplate(stack, id, { type: COMMAND }));
    a.dependsOn(c);
    a.connectTo(b);
    expect(a.relationships.map((r) => r.target.node.id)).toEqual(['C', 'B']);
  });

  test('stores the instances it was given with defaults for the rest', () => {
    expect(node('Web', { instances: { default: 3 } }).instances).toEqual({ default: 3, min: 0, max: -1 });
  });

  test('isNodeTemplate recognizes a node template by its brand', () => {
    expect([NodeTemplate.isNodeTemplate(node()), NodeTemplate.isNodeTemplate({ type: COMMAND })]).toEqual([true, false]);
  });

  test('records where the program created it', () => {
    expect(node().location.toString()).toMatch(/node-template\.test\.ts:\d+:\d+$/);
  });

  test('fails if the type is not a type name', () => {
    expect(errorCodeOf(() => node('Web', { type: 'not a type' }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if an explicit name is not DNS-safe', () => {
    expect(errorCodeOf(() => node('Web', { name: 'Web_Server!' }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if instances.default is below instances.min', () => {
    expect(errorCodeOf(() => node('Web', { instances: { default: 1, min: 2 } }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if instances.default is not a whole number', () => {
    expect(errorCodeOf(() => node('Web', { instances: { default: 1.5 } }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a node is contained in a second host', () => {
    const stack = newStack();
    const [vm1, vm2, app] = ['Vm1', 'Vm2', 'App'].map((id) => new NodeTemplate(stack, id, { type: COMMAND }));
    app.containedIn(vm1);
    expect(errorCodeOf(() => app.containedIn(vm2))).toBe(ErrorCode.InvalidProps);
  });

  test('the second-host error names the first host', () => {
    const stack = newStack();
    const [vm1, vm2, app] = ['Vm1', 'Vm2', 'App'].map((id) => new NodeTemplate(stack, id, { type: COMMAND }));
    app.addRelationship({ type: CONTAINED_IN, target: vm1 });
    expect(hybridErrorFrom(() => app.containedIn(vm2)).message).toContain('already contained in demo/Vm1');
  });

  test('fails if a node has a relationship to itself', () => {
    const web = node();
    expect(errorCodeOf(() => web.dependsOn(web))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a relationship target is not a node template', () => {
    const web = node();
    expect(errorCodeOf(() => web.dependsOn({ node: { path: 'x' } } as any))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a relationship operation is not a relationship lifecycle operation', () => {
    const stack = newStack();
    const [a, b] = ['A', 'B'].map((id) => new NodeTemplate(stack, id, { type: COMMAND }));
    expect(errorCodeOf(() => a.connectTo(b, { source: { start: { implementation: 'hybrid.local.command.create' } } as any }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if an operation has a negative timeout', () => {
    const web = node();
    expect(errorCodeOf(() => web.addOperation('cloudify.interfaces.lifecycle', 'create', { implementation: 'hybrid.local.command.create', timeout: -1 }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a script file name has a path separator', () => {
    expect(errorCodeOf(() => Script.inline('../install.sh', 'echo'))).toBe(ErrorCode.InvalidProps);
  });

  test('construct errors carry the construct path', () => {
    expect(hybridErrorFrom(() => node('Web', { instances: { default: -1 } })).path).toBe('demo/Web');
  });

  test("construct errors carry the program's file and line", () => {
    expect(hybridErrorFrom(() => node('Web', { instances: { default: -1 } })).message).toMatch(/\(at .*node-template\.test\.ts:\d+:\d+\)$/);
  });
});
