import { ErrorCode } from '../../lib/core/errors';
import type { Plan, PlanStep } from '../../lib/engine/plan-types';
import type { SecretSource } from '../../lib/engine/resolve';
import { deploy, diff, scale } from '../../lib/engine/workflows';
import type { BlueprintDocument } from '../../synth/blueprint';
import { EngineHarness, recordingBlueprint, recordingModel } from './support/fixtures';

const RESOURCE = 'test.nodes.Resource';
const CONTAINED_IN = 'cloudify.relationships.contained_in';
const USES = 'test.relationships.uses';

let harness: EngineHarness;
beforeEach(() => {
  harness = new EngineHarness();
});
afterEach(() => harness.cleanup());

function secrets(values: { [name: string]: string }): SecretSource {
  return { get: (name) => values[name] };
}

async function deployed(blueprint: BlueprintDocument, secretSource: SecretSource = secrets({})): Promise<void> {
  const result = await deploy(recordingModel(blueprint), harness.deployOptions({ secrets: secretSource }));
  expect(result.result?.failed ?? 0).toBe(0);
}

async function planOf(blueprint: BlueprintDocument, secretSource: SecretSource = secrets({})): Promise<Plan> {
  return diff(recordingModel(blueprint), harness.deployOptions({ secrets: secretSource }));
}

function step(plan: Plan, instance: string): PlanStep {
  const found = plan.steps.find((candidate) => candidate.instance === instance);
  if (!found) throw new Error(`no step for ${instance}; steps: ${plan.steps.map((s) => s.instance).join(', ')}`);
  return found;
}

function actions(plan: Plan): { [instance: string]: string } {
  return Object.fromEntries(plan.steps.map((s) => [s.instance, s.action]));
}

/** A scaling group `unit` of a vm and an app that uses the vm's identity. */
function groupBlueprint(units: number): BlueprintDocument {
  return recordingBlueprint(
    {
      vm: { type: RESOURCE, properties: { value: 'vm' } },
      app: {
        type: RESOURCE,
        properties: { value: { get_attribute: ['vm', 'identity'] } },
        relationships: [{ type: USES, target: 'vm' }],
      },
      disk: { type: RESOURCE, properties: { value: 'disk' }, relationships: [{ type: CONTAINED_IN, target: 'vm' }] },
    },
    {
      groups: { unit: { members: ['vm', 'app'] } },
      policies: { unit_scaling: { type: 'cloudify.policies.scaling', targets: ['unit'], properties: { default_instances: units } } },
    },
  );
}

describe('plan decisions', () => {
  test('a new instance is planned as create with each property as its reason', async () => {
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'one' } } }));
    expect(step(plan, 'a_0')).toMatchObject({ action: 'create', reason: 'new instance' });
    expect(step(plan, 'a_0').changes).toContainEqual({ property: 'value', after: '"one"' });
  });

  test('an unchanged instance is planned as same', async () => {
    const blueprint = recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'one' } } });
    await deployed(blueprint);
    const plan = await planOf(blueprint);
    expect(step(plan, 'a_0')).toMatchObject({ action: 'same', changes: [] });
  });

  test('a changed property is planned as update with its old and new value', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'one' } } }));
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'two' } } }));
    expect(step(plan, 'a_0').action).toBe('update');
    expect(step(plan, 'a_0').changes).toEqual([{ property: 'value', before: '"one"', after: '"two"', forcesReplacement: false }]);
  });

  test('the reason of an update names the changed properties', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'one', size: 1 } } }));
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'two', size: 2 } } }));
    expect(step(plan, 'a_0').reason).toBe('properties changed: size, value');
  });

  test('a change to a property the provider lists in replaceOn forces a replacement', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE, properties: { fixed: 'one' } } }));
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE, properties: { fixed: 'two' } } }));
    expect(step(plan, 'a_0').action).toBe('replace');
    expect(step(plan, 'a_0').changes).toEqual([{ property: 'fixed', before: '"one"', after: '"two"', forcesReplacement: true }]);
  });

  test('a change to a node whose type has no update operation forces a replacement', async () => {
    const immutable = (value: string) => recordingBlueprint({
      a: { type: RESOURCE, properties: { value }, interfaces: { 'cloudify.interfaces.lifecycle': { update: '' } } },
    });
    await deployed(immutable('one'));
    const plan = await planOf(immutable('two'));
    expect(step(plan, 'a_0').action).toBe('replace');
  });

  test('an instance whose node left the blueprint is planned as delete', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE } }));
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE } }));
    expect(step(plan, 'b_0')).toMatchObject({ action: 'delete', reason: 'removed from blueprint' });
  });

  test('a delete waits for the deletion of what depends on the deleted instance', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE, relationships: [{ type: USES, target: 'a' }] } }));
    const plan = await planOf(recordingBlueprint({}));
    expect(step(plan, 'a_0').dependsOn).toEqual(['b_0']);
  });

  test('the summary counts each action', async () => {
    await deployed(recordingBlueprint({ keep: { type: RESOURCE }, change: { type: RESOURCE, properties: { value: 'one' } }, swap: { type: RESOURCE, properties: { fixed: 'one' } }, drop: { type: RESOURCE } }));
    const plan = await planOf(recordingBlueprint({
      keep: { type: RESOURCE }, change: { type: RESOURCE, properties: { value: 'two' } }, swap: { type: RESOURCE, properties: { fixed: 'two' } }, add: { type: RESOURCE },
    }));
    expect(plan.summary).toEqual({ create: 1, update: 1, replace: 1, delete: 1, same: 1 });
  });
});

describe('secrets and unknown values in plans', () => {
  const CANARY = 'canary-5ecret-value';
  const withSecret = recordingBlueprint({ a: { type: RESOURCE, properties: { value: { get_secret: 'password' } } } });

  test('a secret property is shown as (secret)', async () => {
    const plan = await planOf(withSecret, secrets({ password: CANARY }));
    expect(step(plan, 'a_0').changes).toContainEqual({ property: 'value', after: '(secret)' });
  });

  test('a secret value appears nowhere in the plan JSON', async () => {
    const plan = await planOf(
      recordingBlueprint(
        { a: { type: RESOURCE, properties: { value: { concat: ['user:', { get_secret: 'password' }] } } } },
        { outputs: { connection: { value: { get_secret: 'password' } } } },
      ),
      secrets({ password: CANARY }),
    );
    expect(JSON.stringify(plan)).not.toContain(CANARY);
  });

  test('a changed secret is planned as an update from (secret) to (secret)', async () => {
    await deployed(withSecret, secrets({ password: CANARY }));
    const plan = await planOf(withSecret, secrets({ password: `${CANARY}-rotated` }));
    expect(step(plan, 'a_0').changes).toEqual([{ property: 'value', before: '(secret)', after: '(secret)', forcesReplacement: false }]);
  });

  test('an unchanged secret is planned as same', async () => {
    await deployed(withSecret, secrets({ password: CANARY }));
    const plan = await planOf(withSecret, secrets({ password: CANARY }));
    expect(step(plan, 'a_0').action).toBe('same');
  });

  test('an attribute of an instance not created yet is shown as (known after apply)', async () => {
    const plan = await planOf(recordingBlueprint({
      a: { type: RESOURCE },
      b: { type: RESOURCE, properties: { value: { get_attribute: ['a', 'identity'] } }, relationships: [{ type: USES, target: 'a' }] },
    }));
    expect(step(plan, 'b_0').changes).toContainEqual({ property: 'value', after: '(known after apply)' });
  });

  test('an attribute of an instance about to be replaced is shown as (known after apply)', async () => {
    const blueprint = (fixed: string) => recordingBlueprint({
      a: { type: RESOURCE, properties: { fixed } },
      b: { type: RESOURCE, properties: { value: { get_attribute: ['a', 'identity'] } }, relationships: [{ type: USES, target: 'a' }] },
    });
    await deployed(blueprint('one'));
    const plan = await planOf(blueprint('two'));
    expect(step(plan, 'b_0').changes).toContainEqual({ property: 'value', before: '"test.a_0"', after: '(known after apply)', forcesReplacement: false });
  });

  test('an attribute of a recorded instance is read from state', async () => {
    const blueprint = recordingBlueprint({
      a: { type: RESOURCE },
      b: { type: RESOURCE, properties: { value: { get_attribute: ['a', 'identity'] } }, relationships: [{ type: USES, target: 'a' }] },
    });
    await deployed(blueprint);
    const plan = await planOf(blueprint);
    expect(step(plan, 'b_0').action).toBe('same');
  });

  test('the id of an instance not created yet is known in its own properties', async () => {
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE, properties: { value: { get_attribute: ['SELF', 'node_instance_id'] } } } }));
    expect(step(plan, 'a_0').changes).toContainEqual({ property: 'value', after: '"a_0"' });
  });

  test('fails naming the node when get_attribute names a node scaled to no instances', async () => {
    const blueprint = (instances: number) => recordingBlueprint({
      a: { type: RESOURCE, capabilities: { scalable: { properties: { default_instances: instances } } } },
      b: { type: RESOURCE, properties: { value: { get_attribute: ['a', 'identity'] } } },
    });
    await deployed(blueprint(1));
    await expect(planOf(blueprint(0))).rejects.toMatchObject({ code: ErrorCode.DanglingRef, message: expect.stringContaining("get_attribute of node 'a', which has no instances") });
  });

  test('fails if a secret the blueprint reads is not given', async () => {
    await expect(planOf(withSecret)).rejects.toMatchObject({ code: ErrorCode.SecretMissing });
  });
});

describe('hosts and replacement', () => {
  const hosted = (fixed: string) => recordingBlueprint({
    vm: { type: RESOURCE, properties: { fixed } },
    server: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'vm' }] },
    site: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'server' }] },
    other: { type: RESOURCE },
  });

  test('an instance is placed on each instance of its host', async () => {
    const plan = await planOf(recordingBlueprint({
      vm: { type: RESOURCE, capabilities: { scalable: { properties: { default_instances: 2 } } } },
      server: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'vm' }] },
    }));
    expect(plan.steps.map((s) => s.instance)).toEqual(['server_0', 'server_1', 'vm_0', 'vm_1']);
  });

  test('replacing a host replaces everything contained in it, transitively', async () => {
    await deployed(hosted('one'));
    const plan = await planOf(hosted('two'));
    expect(actions(plan)).toEqual({ vm_0: 'replace', server_0: 'replace', site_0: 'replace', other_0: 'same' });
  });

  test('a contained instance replaced with its host names the host as its reason', async () => {
    await deployed(hosted('one'));
    const plan = await planOf(hosted('two'));
    expect(step(plan, 'server_0').reason).toBe('its host vm_0 is replaced');
  });

  test('moving an instance to another host replaces it', async () => {
    await deployed(recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE }, c: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'a' }] } }));
    const plan = await planOf(recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE }, c: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'b' }] } }));
    expect(step(plan, 'c_0')).toMatchObject({ action: 'replace', reason: 'moved from host a_0 to b_0' });
  });
});

describe('instances and scaling', () => {
  test('a scaling group expands each member once per unit', async () => {
    const plan = await planOf(groupBlueprint(2));
    expect(plan.steps.map((s) => s.instance)).toEqual(['app_0', 'app_1', 'disk_0', 'disk_1', 'vm_0', 'vm_1']);
  });

  test('instance ids stay the same across runs', async () => {
    await deployed(groupBlueprint(2));
    const first = (await harness.store.load())!;
    await deployed(groupBlueprint(2));
    const second = (await harness.store.load())!;
    expect(Object.keys(second.instances).sort()).toEqual(Object.keys(first.instances).sort());
  });

  test('members of one unit are placed in that unit', async () => {
    await deployed(groupBlueprint(2));
    const state = (await harness.store.load())!;
    const unitOf = (id: string) => state.instances[id].unit;
    expect([unitOf('vm_1'), unitOf('app_1'), unitOf('disk_1')]).toEqual(['unit_1', 'unit_1', 'unit_1']);
  });

  test('get_attribute of a multi-instance node resolves to the instance in the same unit', async () => {
    await deployed(groupBlueprint(2));
    const state = (await harness.store.load())!;
    const appFor = (unit: string) => Object.values(state.instances).find((record) => record.node === 'app' && record.unit === unit)!;
    const vmFor = (unit: string) => Object.values(state.instances).find((record) => record.node === 'vm' && record.unit === unit)!;
    expect([appFor('unit_0').properties.value, appFor('unit_1').properties.value]).toEqual([`test.${vmFor('unit_0').id}`, `test.${vmFor('unit_1').id}`]);
  });

  test('a relationship inside a scaling group connects instances of the same unit', async () => {
    await deployed(groupBlueprint(2));
    const state = (await harness.store.load())!;
    expect(state.instances.app_1.relationships).toEqual([{ type: USES, target: 'vm_1' }]);
  });

  test('scaling a group out adds whole units with fresh ids', async () => {
    await deployed(groupBlueprint(2));
    const plan = await planOf(groupBlueprint(3));
    expect(plan.steps.filter((s) => s.action === 'create').map((s) => s.instance)).toEqual(['app_2', 'disk_2', 'vm_2']);
  });

  test('scaling a group in removes the newest whole unit', async () => {
    await deployed(groupBlueprint(3));
    const plan = await planOf(groupBlueprint(2));
    expect(plan.steps.filter((s) => s.action === 'delete').map((s) => `${s.instance} (${s.reason})`)).toEqual([
      'app_2 (scaled in)', 'disk_2 (scaled in)', 'vm_2 (scaled in)',
    ]);
  });

  test('scaling in leaves the remaining units unchanged', async () => {
    await deployed(groupBlueprint(3));
    const plan = await planOf(groupBlueprint(2));
    expect(plan.steps.filter((s) => s.action !== 'delete').every((s) => s.action === 'same')).toBe(true);
  });

  test('after scaling in and out again, a new unit does not reuse the ids of surviving ones', async () => {
    await deployed(groupBlueprint(3));
    await deployed(groupBlueprint(2));
    const plan = await planOf(groupBlueprint(4));
    expect(plan.steps.filter((s) => s.action === 'create' && s.node === 'vm').map((s) => s.instance)).toEqual(['vm_2', 'vm_3']);
  });

  test('the scale workflow adds a unit and keeps the count on later deploys', async () => {
    await deployed(groupBlueprint(1));
    await scale(recordingModel(groupBlueprint(1)), 'unit', { delta: 1 }, harness.deployOptions());
    const plan = await planOf(groupBlueprint(1));
    expect(actions(plan)).toEqual({ vm_0: 'same', vm_1: 'same', app_0: 'same', app_1: 'same', disk_0: 'same', disk_1: 'same' });
  });

  test('fails if get_attribute names a node with several instances and no shared unit or host', async () => {
    const blueprint = recordingBlueprint({
      vm: { type: RESOURCE, capabilities: { scalable: { properties: { default_instances: 2 } } } },
      app: { type: RESOURCE, properties: { value: { get_attribute: ['vm', 'identity'] } } },
    });
    await expect(planOf(blueprint)).rejects.toMatchObject({ code: ErrorCode.DanglingRef });
  });
});

describe('destroy plans', () => {
  test('destroy plans the deletion of every instance, dependents first', async () => {
    const blueprint = recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'a' }] } });
    await deployed(blueprint);
    const plan = await diff(recordingModel(blueprint), harness.deployOptions({ destroy: true }));
    expect(plan.steps.map((s) => [s.instance, s.action, s.dependsOn])).toEqual([['a_0', 'delete', ['b_0']], ['b_0', 'delete', []]]);
  });
});
