/** The execute-operation workflow (Cloudify's execute_operation) with the recording provider. */
import { ErrorCode } from '../../lib/core/errors';
import { deploy, executeOperation, ExecuteOperationParams } from '../../lib/engine/workflows';
import type { BlueprintDocument } from '../../synth/blueprint';
import { EngineHarness, recordingBlueprint, recordingModel } from './support/fixtures';

const RESOURCE = 'test.nodes.Resource';
const CONTAINED_IN = 'cloudify.relationships.contained_in';

let harness: EngineHarness;
afterEach(() => harness?.cleanup());

/** A host `vm` (2 instances), an `app` on each, and a lone `db` without the maintenance interface. */
const blueprint: BlueprintDocument = recordingBlueprint({
  vm: { type: RESOURCE, capabilities: { scalable: { properties: { default_instances: 2 } } } },
  app: {
    type: RESOURCE,
    relationships: [{ type: CONTAINED_IN, target: 'vm' }],
    interfaces: { maintenance: { rotate_logs: 'hybrid.test.configure' } },
  },
  db: { type: RESOURCE },
});

async function deployed(options: ConstructorParameters<typeof EngineHarness>[0] = {}): Promise<number> {
  harness = new EngineHarness(options);
  await deploy(recordingModel(blueprint), harness.deployOptions());
  return harness.world.calls.length;
}

const execute = (params: ExecuteOperationParams) => executeOperation(recordingModel(blueprint), params, harness.deployOptions());

describe('execute-operation', () => {
  test('runs a lifecycle operation on every instance of the chosen node, and on nothing else', async () => {
    const before = await deployed();
    await execute({ operation: 'cloudify.interfaces.lifecycle.start', nodes: ['vm'] });
    expect(harness.world.calls.slice(before).sort()).toEqual(['start:vm_0', 'start:vm_1']);
  });

  test("runs another interface's operation, skipping the instances whose node lacks it", async () => {
    const before = await deployed();
    const { result, skipped } = await execute({ operation: 'maintenance.rotate_logs' });
    expect([harness.world.calls.slice(before).sort(), skipped, result.succeeded]).toEqual([['configure:app_0', 'configure:app_1'], ['db_0', 'vm_0', 'vm_1'], 2]);
  });

  test('ANDs the filters: node and instance', async () => {
    const before = await deployed();
    await execute({ operation: 'cloudify.interfaces.lifecycle.stop', nodes: ['vm', 'db'], instances: ['vm_1', 'app_0'] });
    expect(harness.world.calls.slice(before)).toEqual(['stop:vm_1']);
  });

  test('by dependency order, a host finishes its operation before what it contains starts', async () => {
    const before = await deployed({ latencyMs: 30 });
    await execute({ operation: 'cloudify.interfaces.lifecycle.start', instances: ['app_0', 'vm_0'], byDependencyOrder: true });
    expect(harness.world.calls.slice(before)).toEqual(['start:vm_0', 'start:app_0']);
  });

  test('a failing instance is a root cause, and the other instances still run', async () => {
    const before = await deployed();
    const failing = recordingBlueprint({ ...blueprint.node_templates, db: { type: RESOURCE, interfaces: { maintenance: { rotate_logs: 'hybrid.test.no-such-operation' } } } });
    const { result } = await executeOperation(recordingModel(failing), { operation: 'maintenance.rotate_logs' }, harness.deployOptions());
    expect([result.rootCauses.map((cause) => cause.instance), harness.world.calls.slice(before).sort()]).toEqual([['db_0'], ['configure:app_0', 'configure:app_1']]);
  });

  test('refuses a node the stack does not have, naming the nodes it has', async () => {
    await deployed();
    await expect(execute({ operation: 'cloudify.interfaces.lifecycle.start', nodes: ['web'] })).rejects.toMatchObject({ code: ErrorCode.UsageError, message: expect.stringContaining('(nodes: app, db, vm)') });
  });

  test('refuses when no chosen instance has the operation, naming the nodes that do', async () => {
    await deployed();
    await expect(execute({ operation: 'maintenance.rotate_logs', nodes: ['db'] })).rejects.toMatchObject({ code: ErrorCode.UsageError, message: expect.stringContaining('(nodes that have it: app)') });
  });

  test('refuses an operation that is not a full name', async () => {
    await deployed();
    await expect(execute({ operation: 'start' })).rejects.toMatchObject({ code: ErrorCode.UsageError, message: expect.stringContaining('cloudify.interfaces.lifecycle.start') });
  });

  test('refuses a stack that was never deployed', async () => {
    harness = new EngineHarness();
    await expect(execute({ operation: 'cloudify.interfaces.lifecycle.start' })).rejects.toMatchObject({ code: ErrorCode.UsageError, message: expect.stringContaining('deploy it first') });
  });
});
