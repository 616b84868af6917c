/** Files and directory trees uploaded over SFTP to a real OpenSSH host. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OperationResult, ReadResult } from '../../../lib/engine/provider';
import { SshProvider, sshProvider } from '../../../lib/providers/ssh';
import { startSshHosts, SshTestHost, SshTestHosts } from '../../support/ssh/hosts';
import { installFakeSudo, removeFakeSudo } from './support/fake-sudo';
import { hostProperties, hostView, sshContext } from './support/context';

let hosts: SshTestHosts;
let host: SshTestHost;
let provider: SshProvider;
let local: string;

beforeAll(async () => {
  hosts = await startSshHosts(1);
  host = hosts.host('host1');
  provider = sshProvider();
});

afterAll(async () => {
  await provider?.close!();
  await hosts?.stop();
});

beforeEach(() => {
  local = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-ssh-file-'));
});

afterEach(() => {
  fs.rmSync(local, { recursive: true, force: true });
});

function call(operation: 'create' | 'update' | 'delete' | 'read', properties: { [key: string]: any }, runtimeProperties: { [key: string]: any } = {}) {
  const context = sshContext({
    implementation: `hybrid.ssh.file.${operation}`,
    type: 'hybrid.nodes.ssh.File',
    host: hostView('files-host', hostProperties(hosts, 'host1')),
    properties,
    runtimeProperties,
    baseDirectory: local,
  });
  return provider.operations[context.operation.implementation](context) as Promise<OperationResult & ReadResult>;
}

const onHost = (file: string) => path.join(host.rootDir, file);
const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;

test('content lands with exactly its bytes and mode, in directories created for it', async () => {
  await call('create', { path: 'etc/app/app.conf', content: 'port = 80\nname = "ü"\n', mode: '0640', directory_mode: '0750' });
  expect(fs.readFileSync(onHost('etc/app/app.conf'), 'utf8')).toBe('port = 80\nname = "ü"\n');
  expect([modeOf(onHost('etc/app/app.conf')), modeOf(onHost('etc/app'))]).toEqual([0o640, 0o750]);
});

test('a binary source file keeps its bytes and its mode', async () => {
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * 31) % 256));
  fs.writeFileSync(path.join(local, 'tool.bin'), bytes, { mode: 0o755 });
  fs.chmodSync(path.join(local, 'tool.bin'), 0o755);
  await call('create', { path: 'bin/tool', source: 'tool.bin' });
  expect(fs.readFileSync(onHost('bin/tool')).equals(bytes)).toBe(true);
  expect(modeOf(onHost('bin/tool'))).toBe(0o755);
});

test('a source directory uploads every file with its mode', async () => {
  fs.mkdirSync(path.join(local, 'site', 'css'), { recursive: true });
  fs.writeFileSync(path.join(local, 'site', 'index.html'), '<h1>hi</h1>');
  fs.writeFileSync(path.join(local, 'site', 'css', 'main.css'), 'h1 {}');
  fs.writeFileSync(path.join(local, 'site', 'run.sh'), '#!/bin/sh\n');
  fs.chmodSync(path.join(local, 'site', 'index.html'), 0o600);
  fs.chmodSync(path.join(local, 'site', 'run.sh'), 0o700);
  const { runtimeProperties } = await call('create', { path: 'srv/site', source: 'site' });
  expect(runtimeProperties!.files).toEqual(['css/main.css', 'index.html', 'run.sh']);
  expect(fs.readFileSync(onHost('srv/site/css/main.css'), 'utf8')).toBe('h1 {}');
  expect([modeOf(onHost('srv/site/index.html')), modeOf(onHost('srv/site/run.sh'))]).toEqual([0o600, 0o700]);
});

test('an update removes the files the source no longer has', async () => {
  fs.mkdirSync(path.join(local, 'docs'));
  fs.writeFileSync(path.join(local, 'docs', 'a.txt'), 'a');
  fs.writeFileSync(path.join(local, 'docs', 'b.txt'), 'b');
  const created = await call('create', { path: 'srv/docs', source: 'docs' });
  fs.rmSync(path.join(local, 'docs', 'b.txt'));
  await call('update', { path: 'srv/docs', source: 'docs' }, created.runtimeProperties);
  expect(fs.readdirSync(onHost('srv/docs'))).toEqual(['a.txt']);
});

test('read reports content and mode changed on the host', async () => {
  const properties = { path: 'etc/drift.conf', content: 'original', mode: '0644' };
  await call('create', properties);
  fs.writeFileSync(onHost('etc/drift.conf'), 'edited!');
  fs.chmodSync(onHost('etc/drift.conf'), 0o666);
  expect(await call('read', properties)).toEqual({
    exists: true,
    drift: [`${onHost('etc/drift.conf')} has mode 0666, expected 0644`, `${onHost('etc/drift.conf')} content changed on the host (7 bytes, expected 8)`],
  });
});

test('read says a removed file does not exist', async () => {
  expect(await call('read', { path: 'etc/never-written.conf', content: 'x' })).toEqual({ exists: false });
});

test('delete removes the files and the directories created for them, and leaves other files', async () => {
  fs.mkdirSync(onHost('opt'), { recursive: true });
  fs.writeFileSync(onHost('opt/keep.txt'), 'keep');
  const created = await call('create', { path: 'opt/app/conf/app.conf', content: 'x' });
  await call('delete', { path: 'opt/app/conf/app.conf', content: 'x' }, created.runtimeProperties);
  expect(fs.existsSync(onHost('opt/app'))).toBe(false);
  expect(fs.readdirSync(onHost('opt'))).toEqual(['keep.txt']);
});

describe('with sudo', () => {
  beforeEach(() => installFakeSudo(host));
  afterEach(() => removeFakeSudo(host));

  test('files written through sudo land with their bytes, mode and owner', async () => {
    const owner = process.getuid?.() === 0 ? 'nobody' : os.userInfo().username;
    await call('create', { path: 'etc/sudo/secret.conf', content: 'k=v\n', mode: '0600', owner, sudo: true });
    const stats = fs.statSync(onHost('etc/sudo/secret.conf'));
    expect([fs.readFileSync(onHost('etc/sudo/secret.conf'), 'utf8'), stats.mode & 0o7777, stats.uid]).toEqual(['k=v\n', 0o600, Number(execFileSync('id', ['-u', owner], { encoding: 'utf8' }))]);
  });

  test('delete through sudo removes the file and the directory created for it', async () => {
    const created = await call('create', { path: 'var/lib/app/state', content: 's', sudo: true });
    await call('delete', { path: 'var/lib/app/state', content: 's', sudo: true }, created.runtimeProperties);
    expect(fs.existsSync(onHost('var/lib/app'))).toBe(false);
  });
});
