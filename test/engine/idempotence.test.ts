import { planHasChanges } from '../../lib/engine/plan-types';
import { deploy, diff } from '../../lib/engine/workflows';
import { EngineHarness, recordingBlueprint, recordingModel } from './support/fixtures';

const RESOURCE = 'test.nodes.Resource';
const secrets = { get: (name: string) => (name === 'password' ? 'idempotent-canary' : undefined) };

/** Hosts, a scaling group, relationships, get_attribute, a secret, inputs and outputs: whatever could make a plan unstable. */
const blueprint = recordingBlueprint(
  {
    network: { type: RESOURCE, properties: { value: { get_input: 'name' } } },
    vm: { type: RESOURCE, properties: { value: { get_secret: 'password' } }, relationships: [{ type: 'cloudify.relationships.connected_to', target: 'network' }] },
    app: {
      type: RESOURCE,
      properties: { value: { concat: [{ get_attribute: ['vm', 'identity'] }, '/', { get_attribute: ['SELF', 'node_instance_id'] }] } },
      relationships: [{ type: 'cloudify.relationships.contained_in', target: 'vm' }, { type: 'test.relationships.uses', target: 'network' }],
    },
  },
  {
    inputs: { name: { type: 'string', default: 'net' } },
    groups: { cell: { members: ['vm'] } },
    policies: { scaling: { type: 'cloudify.policies.scaling', targets: ['cell'], properties: { default_instances: 2 } } },
    outputs: { vms: { value: { get_attribute: ['network', 'identity'] } } },
  },
);

let harness: EngineHarness;
beforeEach(async () => {
  harness = new EngineHarness();
  const { result } = await deploy(recordingModel(blueprint), harness.deployOptions({ secrets }));
  expect(result?.rootCauses).toEqual([]);
});
afterEach(() => harness.cleanup());

test('after a deploy, diff reports no changes 20 times in a row', async () => {
  const changed: number[] = [];
  for (let run = 0; run < 20; run++) {
    if (planHasChanges(await diff(recordingModel(blueprint), harness.deployOptions({ secrets })))) changed.push(run);
  }
  expect(changed).toEqual([]);
});

test('diff calls no provider and leaves state as it was', async () => {
  const before = (await harness.store.load())!;
  const calls = harness.world.calls.length;
  await diff(recordingModel(blueprint), harness.deployOptions({ secrets }));
  expect([harness.world.calls.length, await harness.store.load()]).toEqual([calls, before]);
});

test('a deploy right after a deploy applies nothing', async () => {
  const result = await deploy(recordingModel(blueprint), harness.deployOptions({ secrets }));
  expect(result.applied).toBe(false);
});
