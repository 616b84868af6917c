/**
 * Crash safety, the engine's central promise: kill the engine with SIGKILL right after provider call
 * k, for every k of a 30-instance deploy and of its destroy, then run the same command again in
 * another process. Every run must converge, create nothing twice, leak nothing, and leave state
 * that passes the integrity check after every kill.
 *
 * Processes run in two lanes. To halve the number of processes (start-up is most of their cost),
 * a process first finishes the stack the previous process of its lane was killed on, then starts
 * the next kill run: the recovery still happens in a process other than the killed one, with only
 * what is on disk.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { integrityProblems } from '../../../lib/engine/state/records';
import type { StateSnapshot } from '../../../lib/engine/state/types';
import { ProviderRegistry } from '../../../lib/engine/provider';
import { deploy } from '../../../lib/engine/workflows';
import { recordingModel, temporaryDirectory } from '../support/fixtures';
import { RecordingWorld, recordingProvider } from '../support/recording-provider';
import { crashBlueprint } from './crash-blueprint';
import type { CrashJob, CrashJobResult } from './crash-child';
import { runChild } from './run-child';

const LANES = 2;

interface KillPoint {
  readonly workflow: 'deploy' | 'destroy';
  readonly k: number;
  readonly directory: string;
}

interface Observation {
  readonly point: KillPoint;
  /** How the killed process ended: 'SIGKILL' when the kill happened. */
  killedBy?: string;
  /** Integrity problems of the state as the killed process left it (a load that fails counts as one). */
  integrity?: string[];
  recovery?: CrashJobResult;
  /** What the stack looks like after the recovery run. */
  final?: { statuses: string[]; worldIdentities: string[]; duplicates: number; integrity: string[] };
}

const stackDirectory = (directory: string) => path.join(directory, '.hybrid', 'crash');
const worldOf = (directory: string) => new RecordingWorld({ worldFile: path.join(directory, 'world.ndjson') });

async function loadedState(directory: string): Promise<{ state?: StateSnapshot; problems: string[] }> {
  try {
    const state = await new FileStateStore(stackDirectory(directory)).load();
    return { state, problems: state ? integrityProblems(state) : [] };
  } catch (error) {
    return { problems: [(error as Error).message] };
  }
}

/** In this process: the clean deploy every destroy kill starts from, and the number of calls of each workflow. */
async function cleanRun(directory: string, destroy: boolean): Promise<number> {
  const options = { worldFile: path.join(directory, 'world.ndjson') };
  const world = new RecordingWorld(options);
  const result = await deploy(recordingModel(crashBlueprint(), 'crash'), {
    store: new FileStateStore(stackDirectory(directory)),
    registry: new ProviderRegistry().register(recordingProvider(world, options)),
    workDirectory: path.join(stackDirectory(directory), 'work'),
    environment: { HYBRID_HOME: path.join(directory, 'home') },
    destroy,
  });
  if (result.result?.failed) throw new Error(`the clean ${destroy ? 'destroy' : 'deploy'} failed: ${JSON.stringify(result.result.rootCauses)}`);
  return world.finishedCalls;
}

async function observeFinal(observation: Observation): Promise<void> {
  const { directory } = observation.point;
  const { state, problems } = await loadedState(directory);
  const world = worldOf(directory);
  observation.final = {
    statuses: Object.values(state?.instances ?? {}).map((instance) => instance.status),
    worldIdentities: [...world.resources().keys()].sort(),
    duplicates: world.duplicateCreates(),
    integrity: problems,
  };
}

/** Runs one lane: each process recovers the previous kill point's stack, then dies at its own. */
async function runLane(points: KillPoint[], compileCache: string, observations: Map<string, Observation>): Promise<void> {
  let previous: Observation | undefined;
  for (const point of [...points, undefined]) {
    const jobs: CrashJob[] = [];
    if (previous) jobs.push({ directory: previous.point.directory, workflow: previous.point.workflow });
    if (point) jobs.push({ directory: point.directory, workflow: point.workflow, killAfterCall: point.k });
    const outcome = await runChild(jobs, compileCache);
    if (previous) {
      previous.recovery = outcome.results.find((result) => result.directory === previous!.point.directory);
      if (!previous.recovery) throw new Error(`the recovery of ${previous.point.workflow} k=${previous.point.k} did not finish: ${outcome.stderr}`);
      await observeFinal(previous);
    }
    if (point) {
      const observation: Observation = { point, killedBy: outcome.signal ?? `exit ${outcome.code}` };
      observation.integrity = (await loadedState(point.directory)).problems;
      observations.set(`${point.workflow}:${point.k}`, observation);
      previous = observation;
    }
  }
}

describe('crash safety under SIGKILL after every provider call', () => {
  const observations = new Map<string, Observation>();
  let root: string;
  let desiredIdentities: string[];
  let deployCalls: number;
  let destroyCalls: number;
  let durationMs: number;

  beforeAll(async () => {
    const started = Date.now();
    root = temporaryDirectory('hybrid-crash-');
    const compileCache = path.join(root, 'compile-cache');
    fs.mkdirSync(compileCache);
    const template = path.join(root, 'deployed');
    deployCalls = await cleanRun(template, false);
    desiredIdentities = [...worldOf(template).resources().keys()].sort();
    const counting = path.join(root, 'destroy-count');
    fs.cpSync(template, counting, { recursive: true });
    destroyCalls = await cleanRun(counting, true);

    const points: KillPoint[] = [];
    for (let k = 1; k <= deployCalls; k++) {
      const directory = path.join(root, `deploy-${k}`);
      fs.mkdirSync(directory);
      points.push({ workflow: 'deploy', k, directory });
    }
    for (let k = 1; k <= destroyCalls; k++) {
      const directory = path.join(root, `destroy-${k}`);
      fs.cpSync(template, directory, { recursive: true });
      points.push({ workflow: 'destroy', k, directory });
    }
    const lanes = Array.from({ length: LANES }, (_, lane) => points.filter((_point, index) => index % LANES === lane));
    await Promise.all(lanes.map((lane) => runLane(lane, compileCache, observations)));
    durationMs = Date.now() - started;
  }, 240_000);

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    // The harness's duration, for the budget in the note: `npx jest test/engine/crash` shows it.
    process.stdout.write(`crash harness: ${deployCalls} deploy and ${destroyCalls} destroy kill points in ${(durationMs / 1000).toFixed(1)} s\n`);
  });

  const of = (workflow: 'deploy' | 'destroy') => [...observations.values()].filter((observation) => observation.point.workflow === workflow);
  const failing = (workflow: 'deploy' | 'destroy', problem: (observation: Observation) => unknown) =>
    of(workflow).flatMap((observation) => {
      const found = problem(observation);
      return found ? [`k=${observation.point.k}: ${JSON.stringify(found)}`] : [];
    });

  test('the 30-instance stack is deployed and destroyed with dozens of provider calls each', () => {
    expect([desiredIdentities.length, deployCalls > 30, destroyCalls > 30]).toEqual([30, true, true]);
  });

  describe.each(['deploy', 'destroy'] as const)('%s', (workflow) => {
    test('the engine was killed by SIGKILL after every provider call', () => {
      const expected = workflow === 'deploy' ? deployCalls : destroyCalls;
      expect([of(workflow).length, failing(workflow, (o) => o.killedBy !== 'SIGKILL' && o.killedBy)]).toEqual([expected, []]);
    });

    test('the state left by every kill passes the integrity check', () => {
      expect(failing(workflow, (o) => o.integrity?.length && o.integrity)).toEqual([]);
    });

    test('the run after every kill takes over the dead run\'s lock', () => {
      expect(failing(workflow, (o) => !o.recovery?.tookOverLock && 'lock not taken over')).toEqual([]);
    });

    test('the run after every kill finishes without failures', () => {
      expect(failing(workflow, (o) => o.recovery?.failed && o.recovery.rootCauses)).toEqual([]);
    });

    test('the run after every kill converges', () => {
      const converged = (o: Observation) =>
        workflow === 'deploy' ? o.final!.statuses.length === 30 && o.final!.statuses.every((status) => status === 'started') : o.final!.statuses.length === 0;
      expect(failing(workflow, (o) => !converged(o) && o.final!.statuses)).toEqual([]);
    });

    test('after every kill and rerun the world holds exactly the desired resources, leaking none', () => {
      const wanted = workflow === 'deploy' ? desiredIdentities : [];
      expect(failing(workflow, (o) => JSON.stringify(o.final!.worldIdentities) !== JSON.stringify(wanted) && o.final!.worldIdentities)).toEqual([]);
    });

    test('no kill and rerun creates a resource twice', () => {
      expect(failing(workflow, (o) => o.final!.duplicates)).toEqual([]);
    });

    test('the state after every rerun passes the integrity check', () => {
      expect(failing(workflow, (o) => o.final!.integrity.length && o.final!.integrity)).toEqual([]);
    });
  });
});
