import { NodeType, RelationshipType } from '../../lib/core/custom-types';
import { ErrorCode } from '../../lib/core/errors';
import { NodeTemplate } from '../../lib/core/node-template';
import { ScalingGroup } from '../../lib/core/scaling';
import { COMMAND, errorCodeOf, newStack } from '../synth/support';

describe('ScalingGroup', () => {
  test('defaults to one unit, min 0 and no maximum', () => {
    const stack = newStack();
    const vm = new NodeTemplate(stack, 'Vm', { type: COMMAND, properties: { create: 'true' } });
    const group = new ScalingGroup(stack, 'workers', { members: [vm] });
    expect([group.defaultInstances, group.minInstances, group.maxInstances]).toEqual([1, 0, -1]);
  });

  test('fails if it has no members', () => {
    expect(errorCodeOf(() => new ScalingGroup(newStack(), 'workers', { members: [] }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a member is not a node template', () => {
    expect(errorCodeOf(() => new ScalingGroup(newStack(), 'workers', { members: [{} as any] }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if the default is above the maximum', () => {
    const stack = newStack();
    const vm = new NodeTemplate(stack, 'Vm', { type: COMMAND });
    expect(errorCodeOf(() => new ScalingGroup(stack, 'workers', { members: [vm], defaultInstances: 5, maxInstances: 3 }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if the id is not lowercase', () => {
    const stack = newStack();
    const vm = new NodeTemplate(stack, 'Vm', { type: COMMAND });
    expect(errorCodeOf(() => new ScalingGroup(stack, 'Workers', { members: [vm] }))).toBe(ErrorCode.InvalidProps);
  });
});

describe('NodeType and RelationshipType', () => {
  test('a node type derives from cloudify.nodes.Root by default', () => {
    expect(new NodeType(newStack(), 'Cache', { name: 'acme.nodes.Cache' }).toBlueprint()).toEqual({ derived_from: 'cloudify.nodes.Root' });
  });

  test('a node type writes operations in the DSL shape', () => {
    const type = new NodeType(newStack(), 'Cache', {
      name: 'acme.nodes.Cache',
      interfaces: { 'cloudify.interfaces.lifecycle': { create: { implementation: 'hybrid.local.command.create', maxRetries: 2 } } },
    });
    expect(type.toBlueprint().interfaces).toEqual({ 'cloudify.interfaces.lifecycle': { create: { implementation: 'hybrid.local.command.create', max_retries: 2 } } });
  });

  test('a relationship type derives from connected_to by default', () => {
    expect(new RelationshipType(newStack(), 'Joins', { name: 'acme.relationships.joins' }).toBlueprint().derived_from).toBe('cloudify.relationships.connected_to');
  });

  test('fails if a node type name starts with hybrid.', () => {
    expect(errorCodeOf(() => new NodeType(newStack(), 'Cache', { name: 'hybrid.nodes.Cache' }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a property schema has an unknown type', () => {
    expect(errorCodeOf(() => new NodeType(newStack(), 'Cache', { name: 'acme.nodes.Cache', properties: { size: { type: 'number' } } }))).toBe(ErrorCode.InvalidProps);
  });
});
