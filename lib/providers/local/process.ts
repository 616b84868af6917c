/**
 * `hybrid.nodes.local.Process`: a long-running process on the deploying machine. Start spawns it
 * detached (its own process group, output appended to a log file), records a pid file, and waits
 * for its health check. A process from an earlier, interrupted run is adopted, never doubled.
 * There is no update: a change restarts it (stop, then start) as a replacement.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { HealthSpec, acceptsConnections, describeHealth, healthSpec, probe } from './health';
import {
  IDENTITY_VARIABLE, PidRecord, findByIdentity, isAlive, liveRecordedProcess, pidFilePath, procStat, readPidFile, removePidFile, safeFileName, terminateGroup, writePidFile,
} from './process-identity';
import { envProperty, resolvePath, stringProperty, workingDirectory } from './properties';
import { TAIL_LINES, formatTail } from './shell';

/** How long stop waits after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

interface ProcessSpec {
  readonly command: ReadonlyArray<string>;
  readonly env: { [name: string]: string };
  readonly cwd: string;
  readonly health: HealthSpec;
  readonly startupTimeoutMs: number;
  readonly logFile: string;
  readonly fingerprint: string;
}

async function processSpec(context: OperationContext): Promise<ProcessSpec> {
  const properties = context.instance.properties;
  const command = properties.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string') || command[0] === '') {
    throw new NonRecoverableError(`property 'command' must be a non-empty list of strings (the program, then its arguments), got ${JSON.stringify(command)}`);
  }
  const startupTimeout = properties.startup_timeout ?? 30;
  if (typeof startupTimeout !== 'number' || !(startupTimeout > 0)) {
    throw new NonRecoverableError(`property 'startup_timeout' must be a positive number of seconds, got ${JSON.stringify(startupTimeout)}`);
  }
  const logFile = stringProperty(context, 'log_file');
  return {
    command,
    env: envProperty(context),
    cwd: await workingDirectory(context),
    health: healthSpec(properties.health),
    startupTimeoutMs: startupTimeout * 1000,
    logFile: logFile === '' ? path.join(context.workDirectory, `${safeFileName(context.instance.id)}.log`) : resolvePath(context, logFile),
    fingerprint: fingerprint(context),
  };
}

/** A hash of what the process was started with (command, env, cwd), recorded in the pid file. */
function fingerprint(context: OperationContext): string {
  const { command, env, cwd } = context.instance.properties;
  const sortedEnv = Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([command, sortedEnv, cwd ?? ''])).digest('hex');
}

/** True when the pid file says the process was started with other properties than these. */
function startedDifferently(context: OperationContext, record: PidRecord | undefined): boolean {
  return record?.fingerprint !== undefined && record.fingerprint !== fingerprint(context);
}

/** Our running process: the one the pid file names, else (after a crash before that file was written) a scan. */
async function locate(context: OperationContext): Promise<{ pid: number; record?: PidRecord } | undefined> {
  const record = await readPidFile(pidFile(context));
  const recorded = await liveRecordedProcess(record, context.identity);
  if (recorded !== undefined) return { pid: recorded, record };
  const found = await findByIdentity(context.identity);
  return found === undefined ? undefined : { pid: found };
}

function pidFile(context: OperationContext): string {
  return pidFilePath(context.workDirectory, context.instance.id);
}

async function start(context: OperationContext): Promise<OperationResult> {
  const spec = await processSpec(context);
  let running = await locate(context);
  if (running && startedDifferently(context, running.record)) {
    // Same instance, other properties (a replacement that started before the old one stopped):
    // one process per instance, so the old one goes.
    context.log('info', `stopping process ${running.pid}, which was started with other properties`);
    await terminateGroup(running.pid, STOP_GRACE_MS, context.signal);
    running = undefined;
  }
  let started: Started;
  if (running) {
    context.log('info', `adopting the running process ${running.pid} started by an earlier run`);
    started = { pid: running.pid, logOffset: 0, exitStatus: () => '' };
    if (!running.record) await recordPid(context, spec, running.pid);
  } else {
    await removePidFile(pidFile(context)); // stale: its process is gone or is not ours
    if (spec.health.port !== undefined && (await acceptsConnections(spec.health.port, 500))) {
      throw new NonRecoverableError(`port ${spec.health.port} on 127.0.0.1 already accepts connections before the process started: another program holds it, so the health check would pass for the wrong program`);
    }
    started = await spawnDetached(context, spec);
    await recordPid(context, spec, started.pid);
    context.log('info', `started ${spec.command[0]} as pid ${started.pid}; output goes to ${spec.logFile}`);
  }
  try {
    await waitHealthy(context, spec, started);
  } catch (error) {
    // Interrupted: leave it running; the next run adopts it. Failed: leave nothing behind.
    if (!context.signal.aborted) {
      await terminateGroup(started.pid, STOP_GRACE_MS);
      await removePidFile(pidFile(context));
    }
    throw error;
  }
  return { runtimeProperties: { pid: started.pid, log_file: spec.logFile } };
}

interface Started {
  readonly pid: number;
  /** Where this start's output begins in the log file. */
  readonly logOffset: number;
  /** ` with code N` once our own child has exited, else ''. */
  readonly exitStatus: () => string;
}

async function spawnDetached(context: OperationContext, spec: ProcessSpec): Promise<Started> {
  await fs.mkdir(path.dirname(spec.logFile), { recursive: true });
  const log = await fs.open(spec.logFile, 'a');
  try {
    // The program only, not its arguments: arguments may hold secrets, and this file is not masked.
    await log.write(`--- hybrid: starting ${spec.command[0]} for ${context.identity} at ${new Date().toISOString()} ---\n`);
    const logOffset = (await log.stat()).size;
    const child = spawn(spec.command[0], spec.command.slice(1), {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, [IDENTITY_VARIABLE]: context.identity },
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'was not found' : error.code === 'EACCES' ? 'is not executable' : `could not be started (${error.message})`;
      throw new NonRecoverableError(`the program ${JSON.stringify(spec.command[0])} ${reason}`, { cause: error });
    });
    child.on('error', () => undefined); // we signal by pid, never through the handle
    child.unref();
    let status = '';
    child.once('exit', (code, signal) => (status = code !== null ? ` with code ${code}` : ` (killed by ${signal})`));
    return { pid: child.pid!, logOffset, exitStatus: () => status };
  } finally {
    await log.close();
  }
}

async function recordPid(context: OperationContext, spec: ProcessSpec, pid: number): Promise<void> {
  await fs.mkdir(context.workDirectory, { recursive: true });
  await writePidFile(pidFile(context), {
    pid,
    identity: context.identity,
    startedAt: new Date().toISOString(),
    startTicks: (await procStat(pid))?.startTicks,
    program: spec.command[0],
    logFile: spec.logFile,
    fingerprint: spec.fingerprint,
  });
}

async function waitHealthy(context: OperationContext, spec: ProcessSpec, started: Started): Promise<void> {
  const since = Date.now();
  const deadline = since + spec.startupTimeoutMs;
  const what = describeHealth(spec.health);
  const env = { ...process.env, ...spec.env };
  const interrupted = () => new Error(`interrupted while waiting for ${what}; the process (pid ${started.pid}) keeps running and the next run adopts it`);
  for (;;) {
    if (context.signal.aborted) throw interrupted();
    if (!(await isAlive(started.pid))) {
      await sleep(20); // let our child's exit event arrive, for its exit code
      throw new Error(`the process (pid ${started.pid}) exited during startup${started.exitStatus()}; last lines of ${spec.logFile}:\n${await logTail(spec.logFile, started.logOffset)}`);
    }
    const remainingMs = deadline - Date.now();
    if (await probe(spec.health, context, { cwd: spec.cwd, env, remainingMs, aliveForMs: Date.now() - since })) {
      context.log('info', `healthy: ${what}`);
      return;
    }
    if (context.signal.aborted) throw interrupted();
    if (Date.now() >= deadline) {
      throw new Error(
        `the process (pid ${started.pid}) was not healthy (${what}) within ${spec.startupTimeoutMs / 1000} s and was stopped; ` +
          `last lines of ${spec.logFile}:\n${await logTail(spec.logFile, started.logOffset)}`,
      );
    }
    context.progress(`waiting for ${what}: ${Math.round((Date.now() - since) / 1000)} s of ${spec.startupTimeoutMs / 1000} s`);
    try {
      await sleep(Math.min(100, Math.max(deadline - Date.now(), 1)), undefined, { signal: context.signal });
    } catch {
      throw interrupted();
    }
  }
}

/** The last lines written to the log since `offset` (reading at most its last 16 KiB). */
async function logTail(logFile: string, offset: number): Promise<string> {
  try {
    const handle = await fs.open(logFile, 'r');
    try {
      const size = (await handle.stat()).size;
      const from = Math.max(offset, size - 16 * 1024);
      const buffer = Buffer.alloc(Math.max(size - from, 0));
      await handle.read(buffer, 0, buffer.length, from);
      const lines = buffer.toString('utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      return formatTail(lines.slice(-TAIL_LINES));
    } finally {
      await handle.close();
    }
  } catch (error) {
    return `(cannot read the log: ${(error as Error).message})`;
  }
}

/** Stops our process group (SIGTERM, then SIGKILL after STOP_GRACE_MS) and removes the pid file. */
async function stop(context: OperationContext): Promise<OperationResult> {
  const running = await locate(context);
  if (running) {
    context.log('info', `stopping process ${running.pid}`);
    await terminateGroup(running.pid, STOP_GRACE_MS, context.signal);
  } else {
    context.log('debug', 'the process is not running');
  }
  await removePidFile(pidFile(context));
  return { removeRuntimeProperties: ['pid'] };
}

/** Whether the process runs; one that is gone, or runs with other properties, is reported as drift. */
async function read(context: OperationContext): Promise<ReadResult> {
  const running = await locate(context);
  if (running) {
    const drift = startedDifferently(context, running.record) ? ['running with another command, env or cwd than the properties say'] : [];
    return { exists: true, drift, runtimeProperties: { pid: running.pid } };
  }
  const recorded = (await readPidFile(pidFile(context)))?.pid ?? context.instance.runtimeProperties.pid;
  if (recorded === undefined) return { exists: false };
  return { exists: false, drift: [`not running: process ${recorded} is gone`] };
}

export const processOperations = {
  'hybrid.local.process.start': start,
  'hybrid.local.process.stop': stop,
  'hybrid.local.process.read': read,
};
