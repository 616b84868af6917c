/**
 * `hybrid.nodes.windows.Service`: a Windows service managed with sc.exe.
 *
 * - create: uploads the binary (and the launcher), `sc create` with the whole configuration,
 *   description, failure actions, then the registry values (environment, binary digest, and last
 *   the owner's identity). A create that stopped half-way is finished by the next one: the
 *   service it left has our command line but no identity yet, so it is adopted, never doubled.
 * - start: `sc start`, then polls until RUNNING (and the health port answers) or STOPPED, which
 *   fails with the service's exit code.
 * - update: stops the service only when a change needs a restart, reconfigures only what
 *   differs, and starts it again.
 * - stop: `sc stop`, waits for STOPPED. delete: `sc delete`, waits until it is gone, removes
 *   what hybrid put on the host.
 * - read: exists (and is ours), and how it drifted, including "not running".
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { ConnectionPool } from '../ssh/connections';
import {
  Applied, BINARY_DIGEST_VALUE, Difference, IDENTITY_VALUE, Inspection, differences, environmentEntries, foreignServiceError, inspect, ownership, recoveryDigest,
} from './inspect';
import { RawArgument, commandLine, raw } from './quoting';
import { RegistryValue, regFile, serviceKey } from './registry';
import { ScError, ServiceStatus, describeExit, parseFailure, parseStatus } from './sc';
import { START_VALUES, ServiceSpec, serviceSpec } from './service-spec';
import { WindowsSession, withSession } from './session';
import { Step, runSteps } from './steps';

const POLL_MS = 250;

function sc(...args: Array<string | RawArgument>): string {
  return commandLine('sc.exe', args);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new NonRecoverableError(`cannot read the service binary ${file}: ${(error as Error).message}`, { cause: error });
  }
  return hash.digest('hex');
}

/** What hybrid applied last, from the instance's runtime properties. */
function appliedSettings(context: OperationContext): Applied {
  const runtime = context.instance.runtimeProperties;
  return {
    ...(typeof runtime.account_digest === 'string' ? { accountDigest: runtime.account_digest } : {}),
    ...(typeof runtime.recovery_digest === 'string' ? { recoveryDigest: runtime.recovery_digest } : {}),
    ...(typeof runtime.start_type === 'string' ? { startType: runtime.start_type } : {}),
  };
}

/** Runtime properties recording the applied configuration (see inspect.ts, "Applied"). */
function appliedProperties(spec: ServiceSpec, session: WindowsSession): OperationResult {
  return {
    runtimeProperties: {
      service_name: spec.name,
      binary_path: spec.binaryPath,
      image_path: spec.imagePath,
      address: session.address,
      start_type: spec.startType,
      account_digest: spec.accountDigest,
      recovery_digest: recoveryDigest(spec),
    },
    secretRuntimeProperties: ['account_digest'],
  };
}

function stepError(spec: ServiceSpec, what: string, output: string, stderr: string, code: number | null): Error {
  const failure = parseFailure(output);
  if (failure) return new ScError(failure, `${what} of the service '${spec.name}' failed`);
  const text = (output.trim() || stderr.trim() || `exit status ${code}`).split(/\r?\n/).slice(-5).join(' / ');
  return new Error(`${what} of the service '${spec.name}' failed: ${text}`);
}

/** Runs steps that must all succeed, in order; the first failure is thrown with sc.exe's code. */
async function runAll(session: WindowsSession, spec: ServiceSpec, steps: ReadonlyArray<Step & { what: string }>): Promise<void> {
  if (steps.length === 0) return;
  // Logged by what they do: sc.exe lines may carry the account's password.
  const { results, stderr } = await runSteps(session, steps.map((step) => ({ ...step, label: `${step.what} (${spec.name})` })), { stopOnFailure: true });
  results.forEach((result, index) => {
    if (!result.ran) return;
    const failed = parseFailure(result.stdout) !== undefined || (result.code !== 0 && result.code !== null) || (result.code === null && index === results.length - 1);
    if (failed) throw stepError(spec, steps[index].what, result.stdout, stderr, result.code);
  });
  const skipped = results.findIndex((result) => !result.ran);
  if (skipped !== -1) throw stepError(spec, steps[skipped - 1]?.what ?? steps[0].what, results[skipped - 1]?.stdout ?? '', stderr, results[skipped - 1]?.code ?? null);
}

/** `obj= … password= …` options for the account. */
function accountOptions(spec: ServiceSpec): Array<string | RawArgument> {
  const options: Array<string | RawArgument> = [raw('obj='), spec.account === '' ? 'LocalSystem' : spec.account];
  if (spec.password !== '') options.push(raw('password='), spec.password);
  return options;
}

function dependencyOption(spec: ServiceSpec): Array<string | RawArgument> {
  return [raw('depend='), spec.dependencies.length === 0 ? raw('/') : spec.dependencies.join('/')];
}

function failureStep(spec: ServiceSpec): Step & { what: string } {
  const recovery = spec.recovery;
  // No recovery: an empty action list (`actions= ""`) clears what was set.
  const actions = recovery ? recovery.actions.map((action) => `${action.type}/${action.delayMs}`).join('/') : '';
  return {
    what: 'setting the recovery actions',
    line: sc(raw('failure'), spec.name, raw('reset='), String(recovery?.resetPeriodSeconds ?? 0), raw('actions='), actions, ...(recovery?.command ? [raw('command='), recovery.command] : [])),
  };
}

/** The registry values hybrid keeps on the service: environment, binary digest, and the identity last. */
function registryValues(spec: ServiceSpec, identity: string, localDigest: string | undefined): Array<readonly [string, RegistryValue | null]> {
  const environment = environmentEntries(spec.environment);
  return [
    ['Environment', environment.length === 0 ? null : { type: 'multi_sz', value: environment }],
    [BINARY_DIGEST_VALUE, localDigest === undefined ? null : { type: 'sz', value: localDigest }],
    [IDENTITY_VALUE, { type: 'sz', value: identity }],
  ];
}

/**
 * Puts files on the host (binary, launcher, registry file) and returns the steps that apply the
 * configuration: everything for a new service, only what differs for an existing one.
 */
async function configurationSteps(
  session: WindowsSession,
  context: OperationContext,
  spec: ServiceSpec,
  inspection: Inspection,
  changes: ReadonlyArray<Difference>,
  localDigest: string | undefined,
): Promise<Array<Step & { what: string }>> {
  const changed = (setting: Difference['setting']) => !inspection.exists || changes.some((change) => change.setting === setting);
  if (spec.source && localDigest !== undefined && changed('binary')) {
    context.log('info', `uploading ${spec.source.localPath} to ${spec.binaryPath}`);
    await session.upload(spec.source.localPath, spec.binaryPath);
  }
  if (spec.launcher && changed('launcher')) await session.writeFile(spec.launcher.path, Buffer.from(spec.launcher.content, 'latin1'));

  const steps: Array<Step & { what: string }> = [];
  const start = START_VALUES[spec.startType].sc;
  if (!inspection.exists) {
    steps.push({
      what: 'sc.exe create',
      line: sc(raw('create'), spec.name, raw('binPath='), spec.imagePath, raw('type='), raw('own'), raw('start='), raw(start), raw('DisplayName='), spec.displayName, ...accountOptions(spec), ...dependencyOption(spec)),
    });
  } else {
    const options: Array<string | RawArgument> = [];
    if (changed('image_path')) options.push(raw('binPath='), spec.imagePath);
    if (changed('start_type')) options.push(raw('start='), raw(start));
    if (changed('display_name')) options.push(raw('DisplayName='), spec.displayName);
    if (changed('account')) options.push(...accountOptions(spec));
    if (changed('dependencies')) options.push(...dependencyOption(spec));
    if (options.length > 0) steps.push({ what: 'sc.exe config', line: sc(raw('config'), spec.name, ...options) });
  }
  if (changed('description') && (inspection.exists || spec.description !== '')) {
    steps.push({ what: 'setting the description', line: sc(raw('description'), spec.name, spec.description) });
  }
  if (changed('recovery') && (inspection.exists || spec.recovery)) steps.push(failureStep(spec));
  if (changed('environment') || changed('identity') || changed('binary')) {
    const file = `${spec.directory}\\service.reg`;
    await session.writeFile(file, regFile(serviceKey(spec.name), registryValues(spec, context.identity, localDigest)));
    steps.push({ what: 'writing the registry values (reg.exe import)', line: commandLine('reg.exe', [raw('import'), file]) });
  }
  return steps;
}

async function queryStatus(session: WindowsSession, spec: ServiceSpec): Promise<ServiceStatus | undefined> {
  const result = await session.run(sc(raw('queryex'), spec.name));
  const failure = parseFailure(result.stdout);
  if (failure?.code === 1060) return undefined;
  if (failure) throw new ScError(failure, `cannot query the service '${spec.name}'`);
  const status = parseStatus(result.stdout);
  if (!status) throw new Error(`cannot read the status of the service '${spec.name}' from sc.exe's output:\n${result.stdout.trim()}`);
  return status;
}

/** Polls until the service leaves the pending states; returns the last status. */
async function waitForState(session: WindowsSession, context: OperationContext, spec: ServiceSpec, wanted: 'RUNNING' | 'STOPPED', timeoutMs: number): Promise<ServiceStatus | undefined> {
  const since = Date.now();
  for (;;) {
    const status = await queryStatus(session, spec);
    if (!status) return undefined;
    if (status.state === wanted || status.state === 'STOPPED' || (wanted === 'STOPPED' && status.state === 'PAUSED')) return status;
    if (Date.now() - since >= timeoutMs) return status;
    context.progress(`waiting for the service '${spec.name}' to be ${wanted}: ${status.state}, ${Math.round((Date.now() - since) / 1000)} s of ${Math.round(timeoutMs / 1000)} s`);
    await sleep(POLL_MS, undefined, { signal: context.signal });
  }
}

function tcpAccepts(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForHealthPort(session: WindowsSession, context: OperationContext, spec: ServiceSpec, deadline: number): Promise<void> {
  if (spec.healthPort === undefined) return;
  for (;;) {
    if (await tcpAccepts(session.address, spec.healthPort, 2000)) {
      context.log('info', `healthy: ${session.address}:${spec.healthPort} accepts connections`);
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(`the service '${spec.name}' is RUNNING but ${session.address}:${spec.healthPort} did not accept a connection within ${spec.startupTimeoutMs / 1000} s`);
    }
    context.progress(`waiting for ${session.address}:${spec.healthPort} to accept connections`);
    await sleep(POLL_MS * 2, undefined, { signal: context.signal });
  }
}

/** Starts the service (unless it runs already) and waits for RUNNING and the health check. */
async function startService(session: WindowsSession, context: OperationContext, spec: ServiceSpec): Promise<ServiceStatus> {
  const deadline = Date.now() + spec.startupTimeoutMs;
  const started = await session.run(sc(raw('start'), spec.name));
  const failure = parseFailure(started.stdout);
  // 1056: it runs already (a start an interrupted run began). 1053: it stopped while starting
  // (Wine reports that at once); the status below says why.
  if (failure && failure.code !== 1056 && failure.code !== 1053) throw new ScError(failure, `cannot start the service '${spec.name}'`);
  if (failure?.code === 1056) context.log('info', `the service '${spec.name}' is already running`);
  const status = await waitForState(session, context, spec, 'RUNNING', Math.max(deadline - Date.now(), 0));
  if (!status) throw new NonRecoverableError(`the service '${spec.name}' disappeared while starting`);
  if (status.state === 'STOPPED') {
    throw new NonRecoverableError(`the service '${spec.name}' stopped while starting: ${describeExit(status)}`);
  }
  if (status.state !== 'RUNNING') {
    throw new Error(`the service '${spec.name}' did not reach RUNNING within ${spec.startupTimeoutMs / 1000} s (it is ${status.state})`);
  }
  await waitForHealthPort(session, context, spec, deadline);
  context.log('info', `the service '${spec.name}' is RUNNING (pid ${status.pid ?? 'unknown'})`);
  return status;
}

/** Stops the service if it runs and waits for STOPPED. */
async function stopService(session: WindowsSession, context: OperationContext, spec: ServiceSpec): Promise<void> {
  const result = await session.run(sc(raw('stop'), spec.name));
  const failure = parseFailure(result.stdout);
  if (failure && failure.code !== 1062 && failure.code !== 1060) throw new ScError(failure, `cannot stop the service '${spec.name}'`);
  if (failure) return;
  const status = await waitForState(session, context, spec, 'STOPPED', spec.stopTimeoutMs);
  if (status && status.state !== 'STOPPED') {
    throw new Error(`the service '${spec.name}' did not stop within ${spec.stopTimeoutMs / 1000} s (it is ${status.state})`);
  }
  context.log('info', `the service '${spec.name}' is STOPPED`);
}

/** Brings the service's configuration to the spec (creating it if needed); returns what changed. */
async function converge(session: WindowsSession, context: OperationContext, spec: ServiceSpec, inspection: Inspection): Promise<{ changes: Difference[]; created: boolean }> {
  if (inspection.exists) {
    const owner = ownership(spec, inspection, context.identity);
    if (owner === 'foreign') throw foreignServiceError(spec, inspection, context.identity);
    if (owner === 'unclaimed') context.log('info', `adopting the service '${spec.name}' left by an interrupted create`);
  }
  const localDigest = spec.source ? await sha256OfFile(spec.source.localPath) : undefined;
  const changes = inspection.exists ? differences(spec, inspection, context.identity, appliedSettings(context), localDigest) : [];
  if (inspection.exists && changes.length === 0) return { changes, created: false };
  const running = inspection.status !== undefined && inspection.status.state !== 'STOPPED';
  if (running && changes.some((change) => change.restart)) {
    context.log('info', `stopping the service '${spec.name}' to change: ${changes.filter((change) => change.restart).map((change) => change.setting).join(', ')}`);
    await stopService(session, context, spec);
  }
  const steps = await configurationSteps(session, context, spec, inspection, changes, localDigest);
  await runAll(session, spec, steps);
  await session.removeFile(`${spec.directory}\\service.reg`);
  if (inspection.exists) context.log('info', `reconfigured the service '${spec.name}': ${changes.map((change) => change.setting).join(', ')}`);
  else context.log('info', `created the service '${spec.name}' (${spec.imagePath})`);
  return { changes, created: !inspection.exists };
}

export function serviceOperations(pool: ConnectionPool) {
  const create = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      await converge(session, context, spec, await inspect(session, spec));
      return appliedProperties(spec, session);
    });

  const start = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      if (spec.startType === 'disabled') {
        context.log('info', `the service '${spec.name}' is disabled: not starting it`);
        return { runtimeProperties: { state: 'STOPPED', pid: 0 } };
      }
      const status = await startService(session, context, spec);
      return { runtimeProperties: { state: status.state, pid: status.pid ?? 0 } };
    });

  const update = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      const inspection = await inspect(session, spec);
      const { changes, created } = await converge(session, context, spec, inspection);
      const applied = appliedProperties(spec, session);
      if (spec.startType === 'disabled') {
        await stopService(session, context, spec);
        return { ...applied, runtimeProperties: { ...applied.runtimeProperties, state: 'STOPPED', pid: 0 } };
      }
      const restarted = created || changes.some((change) => change.restart);
      const running = !restarted && inspection.status?.state === 'RUNNING';
      if (running) {
        return { ...applied, runtimeProperties: { ...applied.runtimeProperties, state: 'RUNNING', pid: inspection.status?.pid ?? 0 } };
      }
      const status = await startService(session, context, spec);
      return { ...applied, runtimeProperties: { ...applied.runtimeProperties, state: status.state, pid: status.pid ?? 0 } };
    });

  const stop = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      await stopService(session, context, spec);
      return { runtimeProperties: { state: 'STOPPED', pid: 0 } };
    });

  const remove = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      const inspection = await inspect(session, spec);
      if (inspection.exists) {
        if (ownership(spec, inspection, context.identity) === 'foreign') throw foreignServiceError(spec, inspection, context.identity);
        // A running service would only be marked for deletion: stop it first (the engine's stop
        // normally has, unless it failed or was skipped).
        if (inspection.status && inspection.status.state !== 'STOPPED') await stopService(session, context, spec);
        const result = await session.run(sc(raw('delete'), spec.name));
        const failure = parseFailure(result.stdout);
        if (failure && failure.code !== 1060 && failure.code !== 1072) throw new ScError(failure, `cannot delete the service '${spec.name}'`);
        await waitUntilGone(session, context, spec);
      }
      if (spec.launcher) await session.removeFile(spec.launcher.path);
      if (spec.source) await session.removeFile(spec.binaryPath);
      await session.removeFile(`${spec.directory}\\service.reg`);
      await session.removeEmptyDirectory(spec.directory);
      return { removeRuntimeProperties: ['state', 'pid'] };
    });

  const read = (context: OperationContext): Promise<ReadResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      const inspection = await inspect(session, spec);
      // A service without our identity is not ours yet: a create that stopped half-way, which
      // the next create finishes (and adopts), or someone else's.
      if (!inspection.exists || ownership(spec, inspection, context.identity) !== 'ours') return { exists: false };
      const localDigest = spec.source ? await sha256OfFile(spec.source.localPath) : undefined;
      const drift = differences(spec, inspection, context.identity, appliedSettings(context), localDigest).map((change) => change.description);
      const status = inspection.status!;
      if (spec.startType !== 'disabled' && status.state !== 'RUNNING') drift.push(`not running: ${status.state}${status.state === 'STOPPED' ? ` (${describeExit(status)})` : ''}`);
      return { exists: true, drift, runtimeProperties: { state: status.state, pid: status.pid ?? 0 } };
    });

  /** cloudify.interfaces.validation.check_status: fails unless the service runs. */
  const status = (context: OperationContext): Promise<OperationResult> =>
    withSession(pool, context, async (session) => {
      const spec = serviceSpec(context, session.dataDirectory);
      const current = await queryStatus(session, spec);
      if (!current) throw new NonRecoverableError(`the service '${spec.name}' does not exist`);
      if (current.state !== 'RUNNING' && spec.startType !== 'disabled') throw new NonRecoverableError(`the service '${spec.name}' is ${current.state} (${describeExit(current)})`);
      return { runtimeProperties: { state: current.state, pid: current.pid ?? 0 } };
    });

  return {
    'hybrid.windows.service.create': create,
    'hybrid.windows.service.start': start,
    'hybrid.windows.service.update': update,
    'hybrid.windows.service.stop': stop,
    'hybrid.windows.service.delete': remove,
    'hybrid.windows.service.read': read,
    'hybrid.windows.service.status': status,
  };
}

/** After `sc delete`: the service goes once nothing holds it open (until then: marked for deletion). */
async function waitUntilGone(session: WindowsSession, context: OperationContext, spec: ServiceSpec): Promise<void> {
  const deadline = Date.now() + spec.stopTimeoutMs;
  for (;;) {
    const status = await queryStatus(session, spec);
    if (!status) {
      context.log('info', `deleted the service '${spec.name}'`);
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the service '${spec.name}' is marked for deletion but still exists after ${spec.stopTimeoutMs / 1000} s (it is ${status.state}; error 1072: The specified service has been marked for deletion.): ` +
          'close the programs that hold it open (the Services console, a running instance), then deploy again',
      );
    }
    context.progress(`waiting for the service '${spec.name}' to go (marked for deletion, ${status.state})`);
    await sleep(POLL_MS, undefined, { signal: context.signal });
  }
}

