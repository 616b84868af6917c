import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NonRecoverableError, OperationResult, ReadResult } from '../../../lib/engine/provider';
import { localProvider } from '../../../lib/providers/local';
import { isAlive } from '../../../lib/providers/local/process-identity';
import { ContextOptions, removeTempDirectory, tempDirectory, testContext } from './context';

const operations = localProvider().operations;
let directory: string;

beforeEach(() => {
  directory = tempDirectory();
});

afterEach(() => {
  removeTempDirectory(directory);
});

function call(operation: 'create' | 'update' | 'delete' | 'read', options: Partial<ContextOptions> & { properties: ContextOptions['properties'] }) {
  const context = testContext({ baseDirectory: directory, implementation: `hybrid.local.command.${operation}`, ...options });
  const result = operations[context.operation.implementation](context) as Promise<OperationResult & ReadResult>;
  return { context, result };
}

/** The pid a command wrote to `file`, once it is there. */
async function pidFrom(file: string): Promise<number> {
  for (let waited = 0; waited < 5_000; waited += 20) {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (text !== '') return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no pid in ${file}`);
}

test('create runs the command in cwd with env merged onto the process environment', async () => {
  mkdirSync(path.join(directory, 'sub'));
  const { context, result } = call('create', {
    properties: { create: 'echo "$GREETING from $(pwd) path-set=${PATH:+yes}"', env: { GREETING: 'hello' }, cwd: 'sub' },
  });
  await result;
  expect(context.logs).toContainEqual({ level: 'info', message: `hello from ${path.join(directory, 'sub')} path-set=yes` });
});

test('create streams stdout and stderr lines through the log', async () => {
  const { context, result } = call('create', { properties: { create: 'echo one; echo two >&2; printf three' } });
  await result;
  expect(context.logs.filter((entry) => entry.level === 'info').map((entry) => entry.message)).toEqual(['one', 'two', 'three']);
});

test('create turns key=value lines after the output marker into runtime properties', async () => {
  const { result } = call('create', { properties: { create: 'echo not=an-output; echo ::hybrid-output::; echo url=http://x:1/a=b; echo token=abc' } });
  const { runtimeProperties } = await result;
  expect(runtimeProperties).toMatchObject({ url: 'http://x:1/a=b', token: 'abc' });
  expect(runtimeProperties).not.toHaveProperty('not');
  expect(typeof runtimeProperties!.ran_at).toBe('string');
});

test('update runs the update command', async () => {
  const { result } = call('update', { properties: { create: 'echo created > out', update: 'echo updated > out' } });
  await result;
  expect(readFileSync(path.join(directory, 'out'), 'utf8')).toBe('updated\n');
});

test('update without an update command runs the create command again', async () => {
  const { result } = call('update', { properties: { create: 'echo created >> out' } });
  await result;
  expect(readFileSync(path.join(directory, 'out'), 'utf8')).toBe('created\n');
});

test('delete runs the delete command', async () => {
  const { result } = call('delete', { properties: { create: 'true', delete: 'echo deleted > out' } });
  await result;
  expect(readFileSync(path.join(directory, 'out'), 'utf8')).toBe('deleted\n');
});

test('delete without a delete command does nothing', async () => {
  const { context, result } = call('delete', { properties: { create: 'echo never' } });
  await result;
  expect(context.logs.filter((entry) => entry.level === 'info')).toEqual([]);
});

test('read reports the command exists only once create recorded that it ran', async () => {
  expect((await call('read', { properties: { create: 'true' } }).result).exists).toBe(false);
  expect((await call('read', { properties: { create: 'true' }, runtimeProperties: { ran_at: '2024-01-01T00:00:00.000Z' } }).result).exists).toBe(true);
});

test('fails if the command exits non-zero, with the exit code and the last 20 lines of output', async () => {
  const { result } = call('create', { properties: { create: 'for i in $(seq 1 30); do echo line-$i; done; exit 3' } });
  const error: Error = await result.catch((e) => e);
  expect(error.message).toContain('exited with code 3');
  expect(error.message).toContain('line-30');
  expect(error.message).toContain('line-11');
  expect(error.message).not.toContain('line-10\n');
});

test('fails if a program the command runs is not found, as a non-recoverable error', async () => {
  const { result } = call('create', { properties: { create: 'no-such-program-hybrid --version' } });
  const error: Error = await result.catch((e) => e);
  expect(error).toBeInstanceOf(NonRecoverableError);
  expect(error.message).toContain('exited with code 127');
});

test('fails if the working directory does not exist', async () => {
  const { result } = call('create', { properties: { create: 'true', cwd: 'missing' } });
  await expect(result).rejects.toThrow(/working directory .*missing does not exist/);
});

test('fails if the operation timeout passes, and kills the whole process group', async () => {
  const pidFile = path.join(directory, 'sleep.pid');
  const { result } = call('create', { properties: { create: `sleep 30 & echo $! > ${pidFile}; wait` }, timeoutMs: 300 });
  const error: Error = await result.catch((e) => e);
  expect(error.message).toContain('timed out after 0.3 s');
  expect(await isAlive(await pidFrom(pidFile))).toBe(false);
});

test('fails if the abort signal fires, and kills the whole process group', async () => {
  const pidFile = path.join(directory, 'sleep.pid');
  const controller = new AbortController();
  const { result } = call('create', { properties: { create: `sleep 30 & echo $! > ${pidFile}; wait` }, signal: controller.signal });
  const sleepPid = await pidFrom(pidFile);
  const started = Date.now();
  controller.abort();
  await expect(result).rejects.toThrow('interrupted');
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(await isAlive(sleepPid)).toBe(false);
});
