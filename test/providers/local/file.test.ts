import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { NonRecoverableError, OperationResult, ReadResult } from '../../../lib/engine/provider';
import { localProvider } from '../../../lib/providers/local';
import { ContextOptions, removeTempDirectory, tempDirectory, testContext } from './context';

const operations = localProvider().operations;
let directory: string;

beforeEach(() => {
  directory = tempDirectory();
});

afterEach(() => {
  removeTempDirectory(directory);
});

function call(operation: 'create' | 'update' | 'delete' | 'read', properties: ContextOptions['properties'], runtimeProperties?: ContextOptions['runtimeProperties']) {
  const context = testContext({
    baseDirectory: directory,
    implementation: `hybrid.local.file.${operation}`,
    type: 'hybrid.nodes.local.File',
    properties,
    runtimeProperties,
  });
  return operations[context.operation.implementation](context) as Promise<OperationResult & ReadResult>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const modeOf = (file: string) => statSync(file).mode & 0o777;

test('create writes the content with the mode, relative to the stack directory, creating parent directories', async () => {
  await call('create', { path: 'etc/app.conf', content: 'port=80\n', mode: '0600' });
  const file = path.join(directory, 'etc', 'app.conf');
  expect(readFileSync(file, 'utf8')).toBe('port=80\n');
  expect(modeOf(file)).toBe(0o600);
});

test('create records the absolute path, sha256 and size', async () => {
  const { runtimeProperties } = await call('create', { path: 'a.txt', content: 'héllo' });
  expect(runtimeProperties).toEqual({ path: path.join(directory, 'a.txt'), sha256: sha256('héllo'), size: 6 });
});

test('create leaves no temp file next to the target', async () => {
  await call('create', { path: 'a.txt', content: 'x' });
  expect(readdirSync(directory)).toEqual(['a.txt']);
});

test('create of an existing identical file succeeds without rewriting it', async () => {
  const file = path.join(directory, 'a.txt');
  writeFileSync(file, 'same');
  chmodSync(file, 0o644);
  const inode = statSync(file).ino;
  await call('create', { path: file, content: 'same', mode: '0644' });
  expect(statSync(file).ino).toBe(inode);
});

test('update replaces content and mode of the file', async () => {
  await call('create', { path: 'a.txt', content: 'old', mode: '0644' });
  await call('update', { path: 'a.txt', content: 'new', mode: '0640' });
  const file = path.join(directory, 'a.txt');
  expect(readFileSync(file, 'utf8')).toBe('new');
  expect(modeOf(file)).toBe(0o640);
});

test('delete removes the file at the path create recorded', async () => {
  const { runtimeProperties } = await call('create', { path: 'a.txt', content: 'x' });
  await call('delete', { path: 'a.txt' }, runtimeProperties);
  expect(existsSync(path.join(directory, 'a.txt'))).toBe(false);
});

test('delete of a missing file succeeds', async () => {
  await expect(call('delete', { path: 'missing.txt' })).resolves.toBeDefined();
});

test('read reports a missing file as not existing', async () => {
  expect(await call('read', { path: 'a.txt', content: 'x' })).toEqual({ exists: false });
});

test('read reports no drift for a file that matches its properties', async () => {
  await call('create', { path: 'a.txt', content: 'x', mode: '0644' });
  expect(await call('read', { path: 'a.txt', content: 'x', mode: '0644' })).toMatchObject({ exists: true, drift: [] });
});

test('read reports drift when the content changed on disk', async () => {
  await call('create', { path: 'a.txt', content: 'x' });
  writeFileSync(path.join(directory, 'a.txt'), 'edited');
  const { drift } = await call('read', { path: 'a.txt', content: 'x' });
  expect(drift).toEqual([expect.stringContaining('content changed on disk')]);
});

test('read reports drift when the mode changed on disk', async () => {
  await call('create', { path: 'a.txt', content: 'x', mode: '0644' });
  chmodSync(path.join(directory, 'a.txt'), 0o600);
  const { drift } = await call('read', { path: 'a.txt', content: 'x', mode: '0644' });
  expect(drift).toEqual(['mode is 0600 on disk, expected 0644']);
});

test('fails if the mode is not octal permission bits', async () => {
  await expect(call('create', { path: 'a.txt', mode: '0999' })).rejects.toThrow(NonRecoverableError);
});

test('fails if the path is a directory', async () => {
  mkdirSync(path.join(directory, 'dir'));
  await expect(call('create', { path: 'dir', content: 'x' })).rejects.toThrow(/is not a regular file/);
});
