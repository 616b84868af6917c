import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode } from '../../lib/core/errors';
import type { EngineEvent } from '../../lib/engine/events';
import { deploy, DeployResult } from '../../lib/engine/workflows';
import type { BlueprintDocument } from '../../synth/blueprint';
import type { RecordingOptions } from './support/recording-provider';
import { EngineHarness, recordingBlueprint, recordingModel } from './support/fixtures';

const RESOURCE = 'test.nodes.Resource';
const CONTAINED_IN = 'cloudify.relationships.contained_in';
const USES = 'test.relationships.uses';
const WATCHES = 'test.relationships.watches';

let harness: EngineHarness;
afterEach(() => harness?.cleanup());

function start(options: Partial<RecordingOptions> = {}): EngineHarness {
  harness = new EngineHarness(options);
  return harness;
}

async function run(blueprint: BlueprintDocument, extra: Parameters<EngineHarness['deployOptions']>[0] = {}): Promise<DeployResult> {
  return deploy(recordingModel(blueprint), harness.deployOptions(extra));
}

/** The calls that concern one instance, as node operations or relationship operations it is part of. */
function callsOf(instance: string, calls: ReadonlyArray<string> = harness.world.calls): string[] {
  return calls.filter((call) => call.endsWith(`:${instance}`) || call.includes(`:${instance}>`) || call.endsWith(`>${instance}`));
}

function worldIdentities(): string[] {
  return [...harness.world.resources().keys()].sort();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('install and uninstall order', () => {
  const watching = recordingBlueprint({ t: { type: RESOURCE }, s: { type: RESOURCE, relationships: [{ type: WATCHES, target: 't' }] } });

  test('an instance runs create, preconfigure, configure, postconfigure, start and establish in that order', async () => {
    start();
    await run(watching);
    expect(callsOf('s_0')).toEqual([
      'create:s_0',
      'preconfigure(source):s_0>t_0', 'preconfigure(target):s_0>t_0',
      'configure:s_0',
      'postconfigure(source):s_0>t_0', 'postconfigure(target):s_0>t_0',
      'start:s_0',
      'establish(source):s_0>t_0', 'establish(target):s_0>t_0',
    ]);
  });

  test('an uninstall runs stop, unlink and delete in that order', async () => {
    start();
    await run(watching);
    const installed = harness.world.calls.length;
    await run(watching, { destroy: true });
    expect(callsOf('s_0', harness.world.calls.slice(installed))).toEqual(['stop:s_0', 'unlink(source):s_0>t_0', 'unlink(target):s_0>t_0', 'delete:s_0']);
  });

  test('an instance is created only after the target of its relationship has fully started', async () => {
    start({ latencyMs: 5 });
    await run(recordingBlueprint({
      a: { type: RESOURCE }, b: { type: RESOURCE, relationships: [{ type: USES, target: 'a' }] }, c: { type: RESOURCE, relationships: [{ type: USES, target: 'b' }] },
    }));
    const calls = harness.world.calls;
    expect([calls.indexOf('start:a_0') < calls.indexOf('create:b_0'), calls.indexOf('link>a_0:b_0') < calls.indexOf('create:c_0')]).toEqual([true, true]);
  });

  test('a contained instance is created after its host started and deleted before its host stops', async () => {
    start({ latencyMs: 2 });
    const blueprint = recordingBlueprint({ vm: { type: RESOURCE }, disk: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'vm' }] } });
    await run(blueprint);
    await run(blueprint, { destroy: true });
    const calls = harness.world.calls;
    expect([calls.indexOf('start:vm_0') < calls.indexOf('create:disk_0'), calls.indexOf('delete:disk_0') < calls.indexOf('stop:vm_0')]).toEqual([true, true]);
  });

  test('a replaced instance is deleted before it is created again', async () => {
    start();
    await run(recordingBlueprint({ a: { type: RESOURCE, properties: { fixed: 'one' } } }));
    const installed = harness.world.calls.length;
    await run(recordingBlueprint({ a: { type: RESOURCE, properties: { fixed: 'two' } } }));
    expect(harness.world.calls.slice(installed)).toEqual(['stop:a_0', 'delete:a_0', 'create:a_0', 'configure:a_0', 'start:a_0']);
  });

  test('an update runs only the update operation', async () => {
    start();
    await run(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'one' } } }));
    const installed = harness.world.calls.length;
    await run(recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'two' } } }));
    expect(harness.world.calls.slice(installed)).toEqual(['update:a_0']);
  });

  test('an instance whose node left the blueprint is deleted with the inputs it was deployed with', async () => {
    start();
    const inputs = { name: { type: 'string' } };
    await run(recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE, properties: { value: { get_input: 'name' } } } }, { inputs }), { inputs: { name: 'first' } });
    await run(recordingBlueprint({ a: { type: RESOURCE } }, { inputs }), { inputs: { name: 'second' } });
    const deleted = harness.world.entries().find((entry) => entry.op === 'delete' && entry.identity === 'test.b_0');
    expect(deleted?.value).toBe('first');
  });

  test('scaling in uninstalls a unit whose properties read attributes inside the unit', async () => {
    start();
    const cells = (units: number) => recordingBlueprint(
      { vm: { type: RESOURCE }, app: { type: RESOURCE, properties: { value: { get_attribute: ['vm', 'identity'] } }, relationships: [{ type: USES, target: 'vm' }] } },
      { groups: { cell: { members: ['vm', 'app'] } }, policies: { scaling: { type: 'cloudify.policies.scaling', targets: ['cell'], properties: { default_instances: units } } } },
    );
    await run(cells(3));
    const { result } = await run(cells(2));
    expect([result!.rootCauses, worldIdentities()]).toEqual([[], ['test.app_0', 'test.app_1', 'test.vm_0', 'test.vm_1']]);
  });

  test("destroy runs a unit's contained instance against its own unit's host, whose properties read attributes inside the unit", async () => {
    start();
    const cells = recordingBlueprint(
      {
        tag: { type: RESOURCE },
        vm: { type: RESOURCE, properties: { value: { get_attribute: ['tag', 'identity'] } }, relationships: [{ type: USES, target: 'tag' }] },
        app: { type: RESOURCE, relationships: [{ type: CONTAINED_IN, target: 'vm' }] },
      },
      { groups: { cell: { members: ['tag', 'vm'] } }, policies: { scaling: { type: 'cloudify.policies.scaling', targets: ['cell'], properties: { default_instances: 2 } } } },
    );
    await run(cells);
    await run(cells, { destroy: true });
    const deletes = harness.world.entries().filter((entry) => entry.op === 'delete' && entry.identity.startsWith('test.app_'));
    expect(deletes.map((entry) => [entry.identity, entry.host]).sort()).toEqual([['test.app_0', 'test.tag_0'], ['test.app_1', 'test.tag_1']]);
  });

  test('no more instances are worked on at once than the concurrency allows', async () => {
    start({ latencyMs: 10 });
    const nodes: BlueprintDocument['node_templates'] = {};
    for (let i = 0; i < 12; i++) nodes[`n${i}`] = { type: RESOURCE };
    let active = 0;
    let most = 0;
    const options = harness.deployOptions({ concurrency: 3 });
    options.events!.on((event) => {
      if (event.type === 'step-started') most = Math.max(most, ++active);
      if (event.type === 'step-finished') active--;
    });
    await deploy(recordingModel(recordingBlueprint(nodes)), options);
    expect(most).toBe(3);
  });
});

describe('failures', () => {
  const branches = recordingBlueprint({
    a: { type: RESOURCE },
    b: { type: RESOURCE, relationships: [{ type: USES, target: 'a' }] },
    c: { type: RESOURCE },
    d: { type: RESOURCE, relationships: [{ type: USES, target: 'c' }] },
  });

  test('after a failure, independent branches still finish', async () => {
    start({ failCreate: new Set(['a_0']) });
    const { result } = await run(branches);
    const state = (await harness.store.load())!;
    expect([state.instances.c_0.status, state.instances.d_0.status, result!.succeeded]).toEqual(['started', 'started', 2]);
  });

  test('after a failure, the dependents of the failed instance are skipped naming it', async () => {
    start({ failCreate: new Set(['a_0']) });
    await run(branches);
    const skipped = harness.events.filter((event): event is Extract<EngineEvent, { type: 'step-skipped' }> => event.type === 'step-skipped');
    expect(skipped.map((event) => [event.instance, event.because])).toEqual([['b_0', 'a_0 failed']]);
  });

  test('the result lists the root cause only, not the skipped dependents', async () => {
    start({ failCreate: new Set(['a_0']) });
    const { result } = await run(branches);
    expect(result!.rootCauses).toEqual([{ instance: 'a_0', action: 'create', code: ErrorCode.OperationFailed, message: expect.stringContaining('create of a_0 refused') }]);
  });

  test('state keeps the failed instance\'s error, and the next successful deploy clears it', async () => {
    const failCreate = new Set(['a_0']);
    start({ failCreate });
    await run(branches);
    const failed = (await harness.store.load())!.instances.a_0.error;
    failCreate.clear();
    await run(branches);
    expect([failed, (await harness.store.load())!.instances.a_0.error]).toEqual([expect.stringContaining('create of a_0 refused'), undefined]);
  });

  test('the next deploy after a failure re-runs only the failed instance and what depends on it', async () => {
    const failCreate = new Set(['a_0']);
    start({ failCreate });
    await run(branches);
    failCreate.clear();
    const before = harness.world.calls.length;
    await run(branches);
    const touched = new Set(harness.world.calls.slice(before).map((call) => call.slice(call.lastIndexOf(':') + 1)));
    expect([...touched].sort()).toEqual(['a_0', 'b_0']);
  });

  test('the next deploy after a failure converges', async () => {
    const failCreate = new Set(['a_0']);
    start({ failCreate });
    await run(branches);
    failCreate.clear();
    await run(branches);
    const state = (await harness.store.load())!;
    expect(Object.values(state.instances).map((instance) => instance.status)).toEqual(['started', 'started', 'started', 'started']);
  });

  test('a recoverable error is retried with doubling delays', async () => {
    start({ flakyCreate: new Map([['a_0', 2]]) });
    await run(recordingBlueprint({ a: { type: RESOURCE } }));
    const retries = harness.events.filter((event): event is Extract<EngineEvent, { type: 'retry' }> => event.type === 'retry');
    expect(retries.map((event) => [event.attempt, event.delayMs])).toEqual([[1, 5], [2, 10]]);
  });

  test('an instance whose recoverable errors stop within its retries is started', async () => {
    start({ flakyCreate: new Map([['a_0', 2]]) });
    const { result } = await run(recordingBlueprint({ a: { type: RESOURCE } }));
    expect(result!.succeeded).toBe(1);
  });

  test('fails if recoverable errors outlast the retries, naming the number of attempts', async () => {
    start({ flakyCreate: new Map([['a_0', 10]]) });
    const { result } = await run(recordingBlueprint({ a: { type: RESOURCE } }), { defaultRetries: 2 });
    expect(result!.rootCauses[0].message).toContain('failed after 3 attempts');
  });

  test('fails if an operation outlives its timeout, with OperationTimeout', async () => {
    start({ slowCreate: new Set(['a_0']) });
    const { result } = await run(recordingBlueprint({ a: { type: RESOURCE } }), { defaultTimeoutMs: 50 });
    expect(result!.rootCauses.map((cause) => cause.code)).toEqual([ErrorCode.OperationTimeout]);
    await sleep(300); // let the provider's slow create return before the harness is removed
  });

  test('a create that succeeded but reported a timeout is adopted on the next run, not repeated', async () => {
    const slowCreate = new Set(['a_0']);
    start({ slowCreate });
    const blueprint = recordingBlueprint({ a: { type: RESOURCE } });
    await run(blueprint, { defaultTimeoutMs: 50 });
    await sleep(300);
    slowCreate.clear();
    await run(blueprint);
    const recovered = harness.events.filter((event) => event.type === 'recovered');
    expect([recovered, harness.world.duplicateCreates(), worldIdentities()]).toEqual([
      [{ type: 'recovered', instance: 'a_0', operation: 'create', outcome: 'adopted' }], 0, ['test.a_0'],
    ]);
  });

  test('an adopted instance carries the runtime properties its provider reports', async () => {
    const slowCreate = new Set(['a_0']);
    start({ slowCreate });
    const blueprint = recordingBlueprint({ a: { type: RESOURCE, properties: { value: 'v' } } });
    await run(blueprint, { defaultTimeoutMs: 50 });
    await sleep(300);
    slowCreate.clear();
    await run(blueprint);
    const state = (await harness.store.load())!;
    expect(state.instances.a_0.runtimeProperties).toEqual({ identity: 'test.a_0', value: 'v' });
  });

  test('destroy works after a failed first deploy', async () => {
    start({ failCreate: new Set(['b_0']) });
    await run(branches);
    await run(branches, { destroy: true });
    const state = (await harness.store.load())!;
    expect([Object.keys(state.instances), worldIdentities()]).toEqual([[], []]);
  });

  test('a deploy after an interrupted destroy finishes the teardown first and creates nothing twice', async () => {
    start({ latencyMs: 20 });
    const chain = recordingBlueprint({ a: { type: RESOURCE }, b: { type: RESOURCE, relationships: [{ type: USES, target: 'a' }] } });
    await run(chain);
    const controller = new AbortController();
    const options = harness.deployOptions({ destroy: true, signal: controller.signal });
    options.events!.on((event) => {
      if (event.type === 'operation-started' && event.operation.endsWith('.stop')) controller.abort();
    });
    await expect(deploy(recordingModel(chain), options)).rejects.toMatchObject({ code: ErrorCode.Interrupted });
    await run(chain);
    const state = (await harness.store.load())!;
    expect([Object.values(state.instances).map((instance) => instance.status), harness.world.duplicateCreates(), worldIdentities()]).toEqual([
      ['started', 'started'], 0, ['test.a_0', 'test.b_0'],
    ]);
  });
});

describe('interruption', () => {
  const chain = recordingBlueprint({
    a: { type: RESOURCE },
    b: { type: RESOURCE, relationships: [{ type: USES, target: 'a' }] },
    c: { type: RESOURCE, relationships: [{ type: USES, target: 'b' }] },
  });

  async function interruptedAt(operation: string): Promise<unknown> {
    const controller = new AbortController();
    const options = harness.deployOptions({ signal: controller.signal });
    options.events!.on((event) => {
      if (event.type === 'operation-started' && `${event.operation.slice(event.operation.lastIndexOf('.') + 1)}:${event.instance}` === operation) controller.abort();
    });
    return deploy(recordingModel(chain), options).then(() => undefined, (error) => error);
  }

  test('fails if interrupted, with Interrupted', async () => {
    start({ latencyMs: 20 });
    expect(await interruptedAt('create:b_0')).toMatchObject({ code: ErrorCode.Interrupted });
  });

  test('an interruption starts no further steps', async () => {
    start({ latencyMs: 20 });
    await interruptedAt('create:b_0');
    await sleep(50);
    expect(callsOf('c_0')).toEqual([]);
  });

  test('an interruption records the operation in flight as pending', async () => {
    start({ latencyMs: 20 });
    await interruptedAt('create:b_0');
    const state = (await harness.store.load())!;
    expect([state.instances.b_0.status, state.instances.b_0.pending?.operation]).toEqual(['creating', 'create']);
  });

  test('an interruption keeps what finished before it', async () => {
    start({ latencyMs: 20 });
    await interruptedAt('create:b_0');
    const state = (await harness.store.load())!;
    expect(state.instances.a_0.status).toBe('started');
  });

  test('the deploy after an interruption converges without duplicates', async () => {
    start({ latencyMs: 20 });
    await interruptedAt('configure:b_0');
    await sleep(50);
    await run(chain);
    const state = (await harness.store.load())!;
    expect([Object.values(state.instances).map((instance) => instance.status), harness.world.duplicateCreates(), worldIdentities()]).toEqual([
      ['started', 'started', 'started'], 0, ['test.a_0', 'test.b_0', 'test.c_0'],
    ]);
  });
});

describe('secrets in state', () => {
  const CANARY = 'canary-5ecret-in-state';

  test('a secret passed to a provider and echoed in its runtime properties appears in no file of the state directory', async () => {
    start();
    await run(recordingBlueprint({ a: { type: RESOURCE, properties: { value: { get_secret: 'token' } } } }), { secrets: { get: () => CANARY } });
    const files = fs.readdirSync(harness.store.directory, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    const leaking = files.map((entry) => path.join(entry.parentPath, entry.name)).filter((file) => fs.readFileSync(file, 'utf8').includes(CANARY));
    expect(leaking).toEqual([]);
  });
});
