import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode } from '../../lib/core/errors';
import { EngineEvent, EventBus } from '../../lib/engine/events';
import { ProviderRegistry } from '../../lib/engine/provider';
import { FileStateStore } from '../../lib/engine/state/file-store';
import { deploy } from '../../lib/engine/workflows';
import { crashBlueprint } from './crash/crash-blueprint';
import { startChild } from './crash/run-child';
import { EngineHarness, recordingBlueprint, recordingModel, temporaryDirectory } from './support/fixtures';
import { RecordingWorld, recordingProvider } from './support/recording-provider';

const blueprint = recordingBlueprint({ a: { type: 'test.nodes.Resource' }, b: { type: 'test.nodes.Resource', relationships: [{ type: 'test.relationships.uses', target: 'a' }] } });

describe('two deploys of one stack in this process', () => {
  let harness: EngineHarness;
  beforeEach(() => {
    harness = new EngineHarness({ latencyMs: 30 });
  });
  afterEach(() => harness.cleanup());

  /** Two deploys started together, each with a store object of its own over the same directory. */
  async function race() {
    const started = Date.now();
    const timed = (promise: Promise<unknown>) => promise.then(
      () => ({ ok: true as const, ms: Date.now() - started }),
      (error) => ({ ok: false as const, ms: Date.now() - started, error }),
    );
    const second = new FileStateStore(harness.store.directory);
    return Promise.all([
      timed(deploy(recordingModel(blueprint), harness.deployOptions())),
      timed(deploy(recordingModel(blueprint), harness.deployOptions({ store: second }))),
    ]);
  }

  test('exactly one proceeds', async () => {
    const outcomes = await race();
    expect(outcomes.map((outcome) => outcome.ok).sort()).toEqual([false, true]);
  });

  test('fails if the stack is locked, with StateLocked, within 1 s', async () => {
    const refused = (await race()).find((outcome) => !outcome.ok)!;
    expect([(refused as { error: { code: string } }).error.code, refused.ms < 1000]).toEqual([ErrorCode.StateLocked, true]);
  });

  test('the one that proceeds deploys everything', async () => {
    await race();
    const state = (await harness.store.load())!;
    expect([Object.values(state.instances).map((instance) => instance.status), harness.world.duplicateCreates()]).toEqual([['started', 'started'], 0]);
  });
});

describe('a deploy in another process', () => {
  let directory: string;
  beforeEach(() => {
    directory = temporaryDirectory('hybrid-lock-');
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  const store = () => new FileStateStore(path.join(directory, '.hybrid', 'crash'));
  const here = (events: EngineEvent[] = []) => {
    const options = { worldFile: path.join(directory, 'world.ndjson') };
    const bus = new EventBus();
    bus.on((event) => events.push(event));
    return {
      store: store(),
      registry: new ProviderRegistry().register(recordingProvider(new RecordingWorld(options), options)),
      events: bus,
      workDirectory: path.join(directory, '.hybrid', 'crash', 'work'),
      environment: { HYBRID_HOME: path.join(directory, 'home') },
    };
  };

  async function lockHolder(): Promise<number> {
    for (let waited = 0; waited < 20_000; waited += 20) {
      const lock = await store().readLock();
      if (lock) return lock.pid;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the other process never took the lock');
  }

  test('fails if another process holds the lock, with StateLocked naming that process, within 1 s', async () => {
    const other = startChild([{ directory, workflow: 'deploy', latencyMs: 40 }]);
    const holder = await lockHolder();
    const started = Date.now();
    const error = await deploy(recordingModel(crashBlueprint(), 'crash'), here()).then(() => undefined, (caught) => caught);
    const elapsed = Date.now() - started;
    const otherOutcome = await other.outcome;
    expect([error?.code, error?.message.includes(`${os.userInfo().username} on ${os.hostname()} (pid ${holder}) running 'deploy'`), elapsed < 1000, otherOutcome.code]).toEqual([
      ErrorCode.StateLocked, true, true, 0,
    ]);
  });

  test('a lock left by a process that was killed is taken over, and the deploy converges', async () => {
    const killed = await startChild([{ directory, workflow: 'deploy', killAfterCall: 10 }]).outcome;
    const holder = (await store().readLock())!.pid;
    const events: EngineEvent[] = [];
    await deploy(recordingModel(crashBlueprint(), 'crash'), here(events));
    const takeover = events.find((event) => event.type === 'lock-taken-over');
    const state = (await store().load())!;
    expect([killed.signal, takeover && (takeover as { previousHolder: string }).previousHolder.endsWith(`pid ${holder}`), Object.values(state.instances).every((instance) => instance.status === 'started')]).toEqual([
      'SIGKILL', true, true,
    ]);
  });
});
