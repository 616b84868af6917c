/**
 * The real OpenSSH test hosts of test/support/ssh/hosts.ts.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, execOn, sftpOf, sshBinary, sshExec } from '../support/ssh/client';
import { startSshHosts, SshTestHosts } from '../support/ssh/hosts';
import { descendants, isAlive, run, waitExit } from '../support/ssh/process-util';

let hosts: SshTestHosts;

beforeAll(async () => {
  hosts = await startSshHosts(3);
});

afterAll(async () => {
  await hosts?.stop();
});

test('a host accepts the client key and runs a command in its own root', async () => {
  const h = hosts.host('host2');
  const r = await sshExec(h, hosts.clientKey.privateKey, 'pwd; echo "$HOME"; echo "$HYBRID_TEST_HOST_ROOT"');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([h.rootDir, h.rootDir, h.rootDir]);
});

test('each host listens on its own loopback address starting at 127.0.0.2', () => {
  expect(hosts.hosts.map((h) => h.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
});

test('the host key fingerprint matches what ssh-keygen prints for the host key', async () => {
  const h = hosts.host('host1');
  const r = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(h.sshdDir, 'ssh_host_ed25519_key.pub')]);
  expect(r.stdout.split(' ')[1]).toBe(h.hostKeyFingerprint);
});

test('a client expecting another host key is refused', async () => {
  const h = hosts.host('host1');
  const other = hosts.host('host3');
  await expect(sshExec({ ...h, hostKeyFingerprint: other.hostKeyFingerprint }, hosts.clientKey.privateKey, 'true')).rejects.toThrow(
    /host key mismatch/,
  );
});

test('the ssh binary logs in with strict host key checking against knownHostsFile', async () => {
  const r = await sshBinary(hosts.sshArgs('host3'), 'echo "$HYBRID_TEST_HOST_NAME"');
  expect(r).toMatchObject({ code: 0, stdout: 'host3\n' });
});

test('the exit code of a remote command reaches the client', async () => {
  const r = await sshExec(hosts.host('host1'), hosts.clientKey.privateKey, 'exit 42');
  expect(r.code).toBe(42);
});

test("a host's bin dir comes first on PATH", async () => {
  const h = hosts.host('host1');
  fs.writeFileSync(path.join(h.binDir, 'whoami-host'), '#!/bin/sh\necho "recorded on $HYBRID_TEST_HOST_NAME"\n', { mode: 0o755 });
  const r = await sshExec(h, hosts.clientKey.privateKey, 'whoami-host; echo "$PATH"');
  const [line, pathVar] = r.stdout.trim().split('\n');
  expect(line).toBe('recorded on host1');
  expect(pathVar.split(':')[0]).toBe(h.binDir);
});

test('SFTP relative paths land in the host root', async () => {
  const h = hosts.host('host1');
  const c = await connect(h, hosts.clientKey.privateKey);
  try {
    const sftp = await sftpOf(c);
    await new Promise<void>((resolve, reject) => sftp.writeFile('uploaded.txt', 'content', (e) => (e ? reject(e) : resolve())));
  } finally {
    c.end();
  }
  expect(fs.readFileSync(path.join(h.rootDir, 'uploaded.txt'), 'utf8')).toBe('content');
});

test('a stopped host refuses connections and drops open ones', async () => {
  const h = hosts.host('host3');
  const open = await connect(h, hosts.clientKey.privateKey);
  const closed = new Promise<void>((resolve) => open.once('close', () => resolve()));
  await hosts.stopHost('host3');
  await closed;
  expect(h.running).toBe(false);
  await expect(sshExec(h, hosts.clientKey.privateKey, 'true')).rejects.toThrow(/ECONNREFUSED/);
});

test('a restarted host accepts connections again on the same address, port and host key', async () => {
  const h = hosts.host('host3');
  const before = { address: h.address, port: h.port, fingerprint: h.hostKeyFingerprint };
  await hosts.startHost('host3');
  const r = await sshExec(h, hosts.clientKey.privateKey, 'echo back');
  expect(r.stdout).toBe('back\n');
  expect({ address: h.address, port: h.port, fingerprint: h.hostKeyFingerprint }).toEqual(before);
});

test('several commands can run over one connection', async () => {
  const c = await connect(hosts.host('host2'), hosts.clientKey.privateKey);
  try {
    const results = await Promise.all([execOn(c, 'echo one'), execOn(c, 'echo two')]);
    expect(results.map((r) => r.stdout)).toEqual(['one\n', 'two\n']);
  } finally {
    c.end();
  }
});

test('stop() ends every sshd it started and removes the temp dir', async () => {
  const more = await startSshHosts(2, { firstAddressOctet: 10, names: ['a', 'b'] });
  const c = await connect(more.host('a'), more.clientKey.privateKey);
  c.on('error', () => undefined);
  const pids = more.hosts.flatMap((h) => [h.pid!, ...descendants(h.pid!)]);
  expect(pids.length).toBeGreaterThan(2); // the open connection has its own sshd process
  await more.stop();
  expect(pids.some(isAlive)).toBe(false);
  expect(fs.existsSync(more.tmpDir)).toBe(false);
  c.end();
});

test('the watchdog ends registered processes and their children when its pipe closes', async () => {
  // what happens to hosts when a jest worker dies without stop()
  const parent = spawn('/bin/sh', ['-c', 'sleep 60 & sleep 60; wait'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
  const tree = [parent.pid!, ...descendants(parent.pid!)];
  expect(tree.length).toBe(3);
  const watchdog = spawn('/bin/sh', [path.join(__dirname, '../support/ssh/watchdog.sh')], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.stdin.end(`add one killtree ${parent.pid}\nadd two true\ndel two\n`);
  await waitExit(watchdog, 20_000);
  await waitExit(parent, 5000);
  expect(tree.filter(isAlive)).toEqual([]);
});
