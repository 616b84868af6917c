/**
 * One engine process of the crash harness. argv[2] is JSON: { jobs: [{ directory, workflow,
 * killAfterCall? }] }. Each job deploys or destroys the crash stack kept in its directory; a job
 * with killAfterCall dies by SIGKILL right after that provider call, so it is the last job. Prints
 * one JSON line per finished job. The locking tests use it as "another process" too.
 */
import * as path from 'path';
import { EventBus } from '../../../lib/engine/events';
import { ProviderRegistry } from '../../../lib/engine/provider';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { deploy } from '../../../lib/engine/workflows';
import { recordingModel } from '../support/fixtures';
import { RecordingWorld, recordingProvider } from '../support/recording-provider';
import { crashBlueprint } from './crash-blueprint';

export interface CrashJob {
  readonly directory: string;
  readonly workflow: 'deploy' | 'destroy';
  readonly killAfterCall?: number;
  /** Milliseconds each provider call takes. @default 0 */
  readonly latencyMs?: number;
}

export interface CrashJobResult {
  readonly directory: string;
  readonly workflow: 'deploy' | 'destroy';
  readonly failed: number;
  readonly rootCauses: ReadonlyArray<string>;
  readonly tookOverLock: boolean;
  readonly adopted: number;
  readonly calls: number;
}

async function runJob(job: CrashJob): Promise<CrashJobResult> {
  const options = { worldFile: path.join(job.directory, 'world.ndjson'), killAfterCall: job.killAfterCall, latencyMs: job.latencyMs };
  const world = new RecordingWorld(options);
  const events = new EventBus();
  let tookOverLock = false;
  let adopted = 0;
  events.on((event) => {
    if (event.type === 'lock-taken-over') tookOverLock = true;
    if (event.type === 'recovered' && event.outcome === 'adopted') adopted++;
  });
  const result = await deploy(recordingModel(crashBlueprint(), 'crash'), {
    store: new FileStateStore(path.join(job.directory, '.hybrid', 'crash')),
    registry: new ProviderRegistry().register(recordingProvider(world, options)),
    events,
    workDirectory: path.join(job.directory, '.hybrid', 'crash', 'work'),
    environment: { HYBRID_HOME: path.join(job.directory, 'home') },
    destroy: job.workflow === 'destroy',
    retryBaseMs: 5,
  });
  return {
    directory: job.directory,
    workflow: job.workflow,
    failed: result.result?.failed ?? 0,
    rootCauses: (result.result?.rootCauses ?? []).map((cause) => `${cause.instance}: ${cause.message}`),
    tookOverLock,
    adopted,
    calls: world.finishedCalls,
  };
}

async function main(): Promise<void> {
  const { jobs } = JSON.parse(process.argv[3]) as { jobs: CrashJob[] };
  for (const job of jobs) process.stdout.write(JSON.stringify(await runJob(job)) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
