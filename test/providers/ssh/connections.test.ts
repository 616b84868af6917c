/**
 * Connecting to real OpenSSH hosts: host key verification, login methods, bastions, the
 * connection pool and its limits, and how failures to connect are reported.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { HybridError } from '../../../lib/core/errors';
import { NonRecoverableError, OperationContext, OperationResult, RecoverableError } from '../../../lib/engine/provider';
import { SshProvider, sshProvider } from '../../../lib/providers/ssh';
import { startSshHosts, SshTestHosts } from '../../support/ssh/hosts';
import { descendants } from '../../support/ssh/process-util';
import { Agent, Bastion, startAgent, startBastion } from './support/extra-servers';
import { hostProperties, hostView, outputLines, sshContext } from './support/context';

let hosts: SshTestHosts;
let provider: SshProvider;

beforeAll(async () => {
  hosts = await startSshHosts(3, { names: ['web', 'db', 'spare'] });
});

afterAll(async () => {
  await hosts?.stop();
});

beforeEach(() => {
  provider = sshProvider();
});

afterEach(async () => {
  await provider.close!();
});

function call(context: OperationContext): Promise<OperationResult> {
  return provider.operations[context.operation.implementation](context) as Promise<OperationResult>;
}

/** Runs the Host's create against `properties`. */
function connectHost(properties: { [key: string]: any }, runtimeProperties: { [key: string]: any } = {}) {
  const context = sshContext({ implementation: 'hybrid.ssh.host.create', type: 'hybrid.nodes.ssh.Host', instanceId: 'web_0', properties, runtimeProperties });
  return { context, result: call(context) };
}

/** Runs a command on a host given by its properties. */
function runOn(properties: { [key: string]: any }, command: string, hostRuntimeProperties: { [key: string]: any } = {}) {
  const host = hostView('web', properties, hostRuntimeProperties);
  const context = sshContext({ implementation: 'hybrid.ssh.command.create', type: 'hybrid.nodes.ssh.Command', host, properties: { create: command } });
  return { context, result: call(context) };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the operation to fail');
}

function acceptedLogins(name: string): number {
  return (fs.readFileSync(hosts.host(name).logFile, 'utf8').match(/Accepted publickey/g) ?? []).length;
}

test('creating a Host records the host key it verified and facts about the host', async () => {
  const { result } = connectHost(hostProperties(hosts, 'web'));
  expect((await result).runtimeProperties).toMatchObject({
    ip: hosts.host('web').address,
    host_key_fingerprint: hosts.host('web').hostKeyFingerprint,
    host_key_type: 'ssh-ed25519',
    kernel: 'Linux',
  });
});

test('fails if the host presents another key than the pinned fingerprint, naming the host and both fingerprints', async () => {
  const wrong = hosts.host('db').hostKeyFingerprint;
  const error = await rejection(connectHost(hostProperties(hosts, 'web', { host_key: { fingerprint: wrong } })).result);
  const web = hosts.host('web');
  expect(HybridError.isHybridError(error) && error.code).toBe('HostKeyMismatch');
  expect(error.message).toContain(`the host key of host 'web' (${web.user}@${web.address}:${web.port}) does not match: the host presented ${web.hostKeyFingerprint} (ssh-ed25519), but ${wrong} is pinned`);
});

test('logs in when the known_hosts file lists the host key', async () => {
  const { result } = connectHost(hostProperties(hosts, 'web', { host_key: { known_hosts: hosts.knownHostsFile } }));
  await expect(result).resolves.toBeDefined();
});

test('fails if the known_hosts file lists another key for the host', async () => {
  const file = path.join(hosts.tmpDir, 'wrong_known_hosts');
  const web = hosts.host('web');
  fs.writeFileSync(file, `[${web.address}]:${web.port} ${hosts.host('db').hostPublicKey}\n`);
  const error = await rejection(connectHost(hostProperties(hosts, 'web', { host_key: { known_hosts: file } })).result);
  expect(error.message).toContain(`the host presented ${web.hostKeyFingerprint} (ssh-ed25519), but ${file} lists ${hosts.host('db').hostKeyFingerprint} (ssh-ed25519) for [${web.address}]:${web.port}`);
});

test('fails if the host is not in the known_hosts file, saying how to trust it', async () => {
  const file = path.join(hosts.tmpDir, 'empty_known_hosts');
  fs.writeFileSync(file, '');
  const error = await rejection(connectHost(hostProperties(hosts, 'web', { host_key: { known_hosts: file } })).result);
  expect(error.message).toMatch(/is not in the known_hosts file .*empty_known_hosts .*add it \(ssh-keyscan\), pin it with HostKey.fingerprint/);
});

test('trust on first use records the key it saw, and later connections must present it', async () => {
  const properties = hostProperties(hosts, 'web', { host_key: { trust_on_first_use: true } });
  const first = connectHost(properties);
  expect((await first.result).runtimeProperties!.host_key_fingerprint).toBe(hosts.host('web').hostKeyFingerprint);
  expect(first.context.logs.some((entry) => entry.level === 'warn' && entry.message.includes('trusting the host key'))).toBe(true);
  const later = runOn(properties, 'true', { host_key_fingerprint: hosts.host('db').hostKeyFingerprint });
  expect((await rejection(later.result)).message).toContain('was recorded when hybrid first connected (trust on first use)');
});

test('fails if the host is unreachable, as a recoverable error naming host and port', async () => {
  await hosts.stopHost('spare');
  const spare = hosts.host('spare');
  const error = await rejection(connectHost(hostProperties(hosts, 'spare')).result);
  expect(error).toBeInstanceOf(RecoverableError);
  expect(error.message).toBe(`cannot connect to host 'web' (${spare.user}@${spare.address}:${spare.port}): connection refused (is sshd running on that port?)`);
});

test('fails if the host accepts TCP but never speaks SSH, after the connect timeout', async () => {
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const error = await rejection(connectHost(hostProperties(hosts, 'web', { address: '127.0.0.1', port, connect_timeout: 1 })).result);
    expect(error).toBeInstanceOf(RecoverableError);
    expect(error.message).toBe(`cannot connect to host 'web' (${hosts.user}@127.0.0.1:${port}): no SSH handshake within 1 s`);
  } finally {
    silent.close();
  }
});

test('fails if the host refuses the key, as ProviderAuthFailed naming the user and the key', async () => {
  const other = path.join(hosts.tmpDir, 'other_key');
  const { execFileSync } = await import('node:child_process');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  const error = await rejection(connectHost(hostProperties(hosts, 'web', { auth: { method: 'key_file', path: other } })).result);
  expect(HybridError.isHybridError(error) && error.code).toBe('ProviderAuthFailed');
  expect(error.message).toContain(`refused to log in user '${hosts.user}' with the key file ${other}`);
});

test('fails if the key file does not exist, before connecting', async () => {
  const error = await rejection(connectHost(hostProperties(hosts, 'web', { auth: { method: 'key_file', path: '/nonexistent/id_ed25519' } })).result);
  expect(error).toBeInstanceOf(NonRecoverableError);
  expect(error.message).toContain('cannot read the key file /nonexistent/id_ed25519');
});

test('logs in with a private key from a secret and registers the key as a secret', async () => {
  const { context, result } = connectHost(hostProperties(hosts, 'web', { auth: { method: 'private_key', private_key: hosts.clientKey.privateKey } }));
  await result;
  expect(context.secrets).toContain(hosts.clientKey.privateKey);
});

describe('with an ssh-agent', () => {
  let agent: Agent;
  beforeAll(async () => {
    agent = await startAgent(hosts.tmpDir, hosts.clientKey.privateKeyPath);
  });
  afterAll(async () => {
    await agent?.stop();
  });

  test('logs in with the keys of an ssh-agent', async () => {
    const { result } = connectHost(hostProperties(hosts, 'web', { auth: { method: 'agent', socket: agent.socket } }));
    await expect(result).resolves.toBeDefined();
  });
});

describe('through a bastion', () => {
  let bastion: Bastion;
  beforeAll(async () => {
    bastion = await startBastion(hosts);
  });
  afterAll(async () => {
    await bastion?.stop();
  });

  test('reaches the host through the bastion, verifying both host keys', async () => {
    const db = hosts.host('db');
    const viaBastion = {
      address: bastion.address,
      port: bastion.port,
      user: hosts.user,
      auth: { method: 'key_file', path: hosts.clientKey.privateKeyPath },
      host_key: { fingerprint: bastion.hostKeyFingerprint },
    };
    const { context, result } = runOn(hostProperties(hosts, 'db', { bastion: viaBastion }), 'echo "$HYBRID_TEST_HOST_NAME"');
    await result;
    expect(outputLines(context)).toEqual(['db']);
    expect(fs.readFileSync(bastion.logFile, 'utf8')).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target ${db.address} port ${db.port}`);
  });

  test('fails if the bastion presents another key, naming the bastion', async () => {
    const viaBastion = { address: bastion.address, port: bastion.port, user: hosts.user, auth: { method: 'key_file', path: hosts.clientKey.privateKeyPath }, host_key: { fingerprint: hosts.host('web').hostKeyFingerprint } };
    const error = await rejection(runOn(hostProperties(hosts, 'db', { bastion: viaBastion }), 'true').result);
    expect(error.message).toContain(`the host key of host 'bastion of web' (${hosts.user}@${bastion.address}:${bastion.port}) does not match`);
  });
});

test('operations on one host share one connection', async () => {
  const before = acceptedLogins('db');
  const properties = hostProperties(hosts, 'db');
  await Promise.all([1, 2, 3, 4, 5].map((index) => runOn(properties, `echo ${index}`).result));
  expect(acceptedLogins('db') - before).toBe(1);
});

test('at most `concurrency` operations run on a host at once', async () => {
  const properties = hostProperties(hosts, 'db', { concurrency: 2 });
  const log = 'concurrency.log';
  fs.rmSync(path.join(hosts.host('db').rootDir, log), { force: true });
  const script = `echo start >> ${log}; sleep 0.3; echo end >> ${log}`;
  await Promise.all([1, 2, 3, 4].map(() => runOn(properties, script).result));
  let running = 0;
  let most = 0;
  for (const line of fs.readFileSync(path.join(hosts.host('db').rootDir, log), 'utf8').trim().split('\n')) {
    running += line === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  expect(most).toBe(2);
});

test('a connection lost while a script runs is a recoverable error', async () => {
  // Staged in the host's own tree: the host dies mid-run, so nothing can remove the staging directory.
  const properties = hostProperties(hosts, 'spare', { temp_directory: path.join(hosts.host('spare').rootDir, 'tmp') });
  await hosts.startHost('spare');
  const failed = rejection(runOn(properties, 'sleep 5').result);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await hosts.stopHost('spare');
  const error = await failed;
  expect(error).toBeInstanceOf(RecoverableError);
  expect(error.message).toContain("the connection to host 'web' (");
});

test('a host that stops answering keepalives is given up after three intervals', async () => {
  await hosts.startHost('spare');
  const spareTmp = path.join(hosts.host('spare').rootDir, 'tmp');
  const failed = rejection(runOn(hostProperties(hosts, 'spare', { keepalive_interval: 1, temp_directory: spareTmp }), 'sleep 8').result);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sshd = hosts.host('spare').pid!;
  const frozen = [sshd, ...descendants(sshd)];
  for (const pid of frozen) process.kill(pid, 'SIGSTOP');
  const started = Date.now();
  try {
    const error = await failed;
    expect(error).toBeInstanceOf(RecoverableError);
    expect(Date.now() - started).toBeLessThan(6_000);
  } finally {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
  }
});

test('close ends every connection', async () => {
  await runOn(hostProperties(hosts, 'web'), 'true').result;
  expect(provider.pool.openConnections).toBe(1);
  await provider.close!();
  expect(provider.pool.openConnections).toBe(0);
});
