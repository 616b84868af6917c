import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { NonRecoverableError, OperationResult, ReadResult } from '../../../lib/engine/provider';
import { localProvider } from '../../../lib/providers/local';
import { hasIdentity, isAlive, terminateGroup } from '../../../lib/providers/local/process-identity';
import { ContextOptions, TestContext, removeTempDirectory, tempDirectory, testContext } from './context';

const operations = localProvider().operations;
const SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, '127.0.0.1', () => console.log('listening on ' + process.env.PORT))";
let directory: string;
let contexts: TestContext[];

beforeEach(() => {
  directory = tempDirectory();
  contexts = [];
});

afterEach(async () => {
  for (const context of contexts) await operations['hybrid.local.process.stop']({ ...context, signal: new AbortController().signal });
  removeTempDirectory(directory);
});

function context(operation: 'start' | 'stop' | 'read', instanceId: string, properties: ContextOptions['properties'], extra: Partial<ContextOptions> = {}): TestContext {
  const created = testContext({ baseDirectory: directory, implementation: `hybrid.local.process.${operation}`, type: 'hybrid.nodes.local.Process', instanceId, properties, ...extra });
  contexts.push(created);
  return created;
}

function call(operation: 'start' | 'stop' | 'read', instanceId: string, properties: ContextOptions['properties'], extra: Partial<ContextOptions> = {}) {
  const created = context(operation, instanceId, properties, extra);
  return operations[created.operation.implementation](created) as Promise<OperationResult & ReadResult>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function serverProperties() {
  const port = await freePort();
  return { command: [process.execPath, '-e', SERVER], env: { PORT: String(port) }, health: { port }, startup_timeout: 10 };
}

/** Live processes (any, not only group leaders) that carry the test identity of `instanceId`. */
async function processesWithIdentity(instanceId: string): Promise<number[]> {
  const identity = `test-${process.pid}.${instanceId}`;
  const found: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    if ((await isAlive(Number(name))) && (await hasIdentity(Number(name), identity))) found.push(Number(name));
  }
  return found;
}

/** The content of `file` once it contains `text` (or after 2 s, whatever it holds then). */
async function fileContaining(file: string, text: string): Promise<string> {
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  for (let waited = 0; waited < 2_000 && !read().includes(text); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return read();
}

const pidFileOf = (instanceId: string) => path.join(directory, '.hybrid', 'test', 'local', `${instanceId}.pid`);

test('start runs the process detached and returns once its port accepts connections', async () => {
  const properties = await serverProperties();
  const { runtimeProperties } = await call('start', 'server_1', properties);
  const response = await fetch(`http://127.0.0.1:${properties.health.port}/`);
  expect(await response.text()).toBe('ok');
  expect(await isAlive(runtimeProperties!.pid)).toBe(true);
});

test('start appends output to the log file in the work directory and records the pid file', async () => {
  const properties = await serverProperties();
  const { runtimeProperties } = await call('start', 'server_1', properties);
  const logFile = path.join(directory, '.hybrid', 'test', 'local', 'server_1.log');
  expect(runtimeProperties!.log_file).toBe(logFile);
  expect(await fileContaining(logFile, 'listening')).toContain(`listening on ${properties.health.port}`);
  expect(JSON.parse(readFileSync(pidFileOf('server_1'), 'utf8'))).toMatchObject({ pid: runtimeProperties!.pid, identity: `test-${process.pid}.server_1` });
});

test('start adopts the live process its pid file names instead of starting a second one', async () => {
  const properties = await serverProperties();
  const first = await call('start', 'server_1', properties);
  const again = context('start', 'server_1', properties);
  const second = (await operations['hybrid.local.process.start'](again)) as OperationResult;
  expect(second.runtimeProperties!.pid).toBe(first.runtimeProperties!.pid);
  expect(again.logs.map((entry) => entry.message)).toContainEqual(expect.stringContaining('adopting the running process'));
  expect(await processesWithIdentity('server_1')).toEqual([first.runtimeProperties!.pid]);
});

test('start adopts a live process whose pid file was never written (a crash right after spawn)', async () => {
  const properties = await serverProperties();
  const first = await call('start', 'server_1', properties);
  rmSync(pidFileOf('server_1'));
  const second = await call('start', 'server_1', properties);
  expect(second.runtimeProperties!.pid).toBe(first.runtimeProperties!.pid);
  expect(existsSync(pidFileOf('server_1'))).toBe(true);
});

test('start ignores a pid file naming a live process without its identity', async () => {
  const properties = { command: ['sleep', '30'] };
  await call('start', 'sleeper_1', properties);
  writeFileSync(pidFileOf('sleeper_2'), JSON.stringify({ pid: process.pid, identity: `test-${process.pid}.sleeper_2`, startedAt: '', program: 'jest', logFile: '' }));
  const { runtimeProperties } = await call('start', 'sleeper_2', properties);
  expect(runtimeProperties!.pid).not.toBe(process.pid);
  expect(await processesWithIdentity('sleeper_2')).toEqual([runtimeProperties!.pid]);
});

test('start stops a running process of the same instance started with other properties, and starts the new one', async () => {
  const first = await call('start', 'sleeper_1', { command: ['sleep', '30'] });
  const second = await call('start', 'sleeper_1', { command: ['sleep', '31'] });
  expect(second.runtimeProperties!.pid).not.toBe(first.runtimeProperties!.pid);
  expect(await processesWithIdentity('sleeper_1')).toEqual([second.runtimeProperties!.pid]);
});

test('start waits for a health command to exit 0', async () => {
  const { runtimeProperties } = await call('start', 'worker_1', { command: ['sh', '-c', 'sleep 0.3; touch ready; exec sleep 30'], health: { command: 'test -f ready' } });
  expect(existsSync(path.join(directory, 'ready'))).toBe(true);
  expect(await isAlive(runtimeProperties!.pid)).toBe(true);
});

test('fails if the process exits during startup, with the end of its log', async () => {
  const error: Error = await call('start', 'crasher_1', { command: ['sh', '-c', 'echo cannot bind >&2; exit 4'] }).catch((e) => e);
  expect(error.message).toMatch(/exited during startup with code 4/);
  expect(error.message).toContain('cannot bind');
  expect(existsSync(pidFileOf('crasher_1'))).toBe(false);
});

test('fails if the health check does not pass within startup_timeout, and stops the process', async () => {
  const port = await freePort();
  const properties = { command: ['sh', '-c', 'echo still starting; exec sleep 30'], health: { port }, startup_timeout: 0.5 };
  const error: Error = await call('start', 'slow_1', properties).catch((e) => e);
  expect(error.message).toMatch(/was not healthy \(TCP port \d+ on 127.0.0.1 accepting connections\) within 0.5 s and was stopped/);
  expect(error.message).toContain('still starting');
  expect(await processesWithIdentity('slow_1')).toEqual([]);
});

test('fails if the program is not found, as a non-recoverable error', async () => {
  await expect(call('start', 'missing_1', { command: ['/no/such/program'] })).rejects.toThrow(NonRecoverableError);
});

test('an interrupted start leaves the process running for the next run to adopt', async () => {
  const controller = new AbortController();
  const port = await freePort();
  const starting = call('start', 'slow_1', { command: ['sleep', '30'], health: { port } }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  await expect(starting).rejects.toThrow(/interrupted .* the next run adopts it/);
  expect(await processesWithIdentity('slow_1')).toHaveLength(1);
});

test('stop terminates the whole process group and removes the pid file', async () => {
  const { runtimeProperties } = await call('start', 'group_1', { command: ['sh', '-c', 'sleep 30 & echo $! > child.pid; wait'] });
  const childPid = Number(await fileContaining(path.join(directory, 'child.pid'), '\n'));
  await call('stop', 'group_1', {});
  expect(await isAlive(runtimeProperties!.pid)).toBe(false);
  expect(await isAlive(childPid)).toBe(false);
  expect(existsSync(pidFileOf('group_1'))).toBe(false);
});

test('stop of a process that is not running succeeds', async () => {
  await expect(call('stop', 'never_1', {})).resolves.toEqual({ removeRuntimeProperties: ['pid'] });
});

test('terminating a group that ignores SIGTERM kills it after the grace period', async () => {
  const child = spawn('sh', ['-c', "trap '' TERM; sleep 30 & echo ready; wait"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve)); // the trap is set
  const started = Date.now();
  await terminateGroup(child.pid!, 200);
  expect(await isAlive(child.pid!)).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
});

test('read reports a running process as existing without drift', async () => {
  const { runtimeProperties } = await call('start', 'sleeper_1', { command: ['sleep', '30'] });
  expect(await call('read', 'sleeper_1', { command: ['sleep', '30'] })).toEqual({ exists: true, drift: [], runtimeProperties: { pid: runtimeProperties!.pid } });
});

test('read reports drift when the process runs with other properties', async () => {
  await call('start', 'sleeper_1', { command: ['sleep', '30'] });
  const { drift } = await call('read', 'sleeper_1', { command: ['sleep', '30'], env: { MODE: 'fast' } });
  expect(drift).toEqual(['running with another command, env or cwd than the properties say']);
});

test('read reports a recorded process that died as drift', async () => {
  const { runtimeProperties } = await call('start', 'sleeper_1', { command: ['sleep', '30'] });
  await terminateGroup(runtimeProperties!.pid, 1_000);
  const result = await call('read', 'sleeper_1', { command: ['sleep', '30'] }, { runtimeProperties });
  expect(result).toEqual({ exists: false, drift: [`not running: process ${runtimeProperties!.pid} is gone`] });
});

test('read reports a process that was never started as not existing', async () => {
  expect(await call('read', 'never_1', { command: ['sleep', '30'] })).toEqual({ exists: false });
});
