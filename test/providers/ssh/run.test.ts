/**
 * Commands and scripts on a real OpenSSH host: environment, arguments, working directory,
 * interpreters, outputs, exit codes, sudo (through the fake sudo of support/SPEC.md) and timeouts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../../lib/engine/provider';
import { SshProvider, sshProvider } from '../../../lib/providers/ssh';
import { startSshHosts, SshTestHost, SshTestHosts } from '../../support/ssh/hosts';
import { fakeSudoCalls, installFakeSudo, removeFakeSudo } from './support/fake-sudo';
import { ContextOptions, hostProperties, hostView, outputLines, sshContext } from './support/context';

let hosts: SshTestHosts;
let host: SshTestHost;
let provider: SshProvider;

beforeAll(async () => {
  hosts = await startSshHosts(1);
  host = hosts.host('host1');
});

afterAll(async () => {
  await provider?.close!();
  await hosts?.stop();
});

beforeEach(() => {
  provider ??= sshProvider();
});

type Options = Partial<ContextOptions> & { properties?: ContextOptions['properties']; hostOverrides?: { [key: string]: any } };

function call(implementation: string, options: Options) {
  const context = sshContext({
    implementation,
    type: implementation.startsWith('hybrid.ssh.command') ? 'hybrid.nodes.ssh.Command' : 'hybrid.nodes.ssh.Script',
    host: hostView('app-host', hostProperties(hosts, 'host1', { temp_directory: path.join(host.rootDir, 'tmp'), ...options.hostOverrides })),
    properties: {},
    ...options,
  });
  const result = provider.operations[implementation](context) as Promise<OperationResult & ReadResult>;
  result.catch(() => undefined);
  return { context, result };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the operation to fail');
}

const inRoot = (file: string) => path.join(host.rootDir, file);

test('a command runs in the login directory and its output lines stream to the log', async () => {
  const { context, result } = call('hybrid.ssh.command.create', { properties: { create: 'pwd; echo to-stderr >&2' } });
  await result;
  expect(outputLines(context)).toEqual([host.rootDir, 'to-stderr']);
});

test('a script gets its environment, arguments and working directory', async () => {
  fs.mkdirSync(inRoot('work'), { recursive: true });
  const { context, result } = call('hybrid.ssh.script.create', {
    properties: { create: 'echo "$GREETING $1 $2 $(pwd)"', env: { GREETING: 'hello' }, args: ['one', 'two'], cwd: 'work' },
  });
  await result;
  expect(outputLines(context)).toEqual([`hello one two ${inRoot('work')}`]);
});

test("a script's #! line chooses its interpreter", async () => {
  const { context, result } = call('hybrid.ssh.script.create', { properties: { create: '#!/bin/bash\n[[ -n "$BASH_VERSION" ]] && echo bash' } });
  await result;
  expect(outputLines(context)).toEqual(['bash']);
});

test('outputs become runtime properties, and secret ones are registered and named secret', async () => {
  const { context, result } = call('hybrid.ssh.script.create', {
    properties: { create: 'echo ::hybrid-output::\necho endpoint=https://10.0.0.5:6443\necho token=s3cr3t-t0ken\n', secret_outputs: ['token'] },
  });
  const { runtimeProperties, secretRuntimeProperties } = await result;
  expect(runtimeProperties).toMatchObject({ endpoint: 'https://10.0.0.5:6443', token: 's3cr3t-t0ken' });
  expect(secretRuntimeProperties).toEqual(['token']);
  expect(context.secrets).toContain('s3cr3t-t0ken');
  expect(JSON.stringify(context.logs)).not.toContain('s3cr3t-t0ken');
});

test('fails if the command exits non-zero, with its exit code and the last 20 lines of output', async () => {
  const error = await rejection(call('hybrid.ssh.command.create', { properties: { create: 'for i in $(seq 1 30); do echo line $i; done; exit 3' } }).result);
  expect(error.message).toContain(`the create command exited with code 3 on host 'app-host' (${host.user}@${host.address}:${host.port}); last lines of output:\n  | line 11\n`);
  expect(error.message).toMatch(/line 30$/);
  expect(error.message).not.toContain('line 10\n');
});

test('fails if a program is missing, as an error retrying cannot fix', async () => {
  const error = await rejection(call('hybrid.ssh.command.create', { properties: { create: 'no-such-program-here' } }).result);
  expect(error).toBeInstanceOf(NonRecoverableError);
  expect(error.message).toContain('exited with code 127 (a program it runs was not found)');
});

test('fails if the working directory does not exist', async () => {
  const error = await rejection(call('hybrid.ssh.command.create', { properties: { create: 'true', cwd: 'no/such/dir' } }).result);
  expect(error.message).toBe(`the working directory "no/such/dir" of the create command does not exist on host 'app-host' (${host.user}@${host.address}:${host.port})`);
});

test('update runs the create command again when there is no update command', async () => {
  const { context, result } = call('hybrid.ssh.command.update', { properties: { create: 'echo created' } });
  await result;
  expect(outputLines(context)).toContain('created');
});

test('delete runs the delete script', async () => {
  const { result } = call('hybrid.ssh.script.delete', { properties: { create: 'true', delete: 'echo gone > deleted.txt' } });
  await result;
  expect(fs.readFileSync(inRoot('deleted.txt'), 'utf8')).toBe('gone\n');
});

test('read says a command exists once its create ran', async () => {
  const { result } = call('hybrid.ssh.command.read', { properties: { create: 'true' }, runtimeProperties: { ran_at: '2024-01-01T00:00:00Z' } });
  expect(await result).toEqual({ exists: true });
});

const staged = () => fs.readdirSync(path.join(host.rootDir, 'tmp')).filter((name) => name.startsWith('hybrid-'));

test('the staging directory is removed after a run', async () => {
  await call('hybrid.ssh.command.create', { properties: { create: 'echo "$0"' } }).result;
  expect(staged()).toEqual([]);
});

test('an env that changes PATH and IFS does not disturb the runner', async () => {
  const { context, result } = call('hybrid.ssh.command.create', { properties: { create: '/bin/echo "$PATH"', env: { PATH: '/nonexistent', IFS: '/', CDPATH: '/' } } });
  await result;
  expect([outputLines(context), staged()]).toEqual([['/nonexistent'], []]);
});

test('aborting a run kills the processes it started on the host', async () => {
  const controller = new AbortController();
  const marker = `sleep ${(30 + Math.random()).toFixed(4)}`;
  const { result } = call('hybrid.ssh.command.create', { properties: { create: `${marker} & ${marker}; wait` }, signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(pgrep(marker)).toHaveLength(2);
  controller.abort();
  expect((await rejection(result)).message).toContain('was interrupted; its processes were killed');
  expect([pgrep(marker), staged()]).toEqual([[], []]);
});

function pgrep(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `^${pattern}$`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('with sudo', () => {
  afterEach(() => removeFakeSudo(host));

  test('a NOPASSWD sudo runs the script through sudo -n', async () => {
    installFakeSudo(host);
    const { context, result } = call('hybrid.ssh.command.create', { properties: { create: 'echo "as $SUDO_USER"', sudo: true } });
    await result;
    expect(outputLines(context)).toEqual([`as ${host.user}`]);
    expect(fakeSudoCalls(host)).toEqual(['options=-n args=2 command=/bin/sh']);
  });

  test('the sudo password reaches sudo and never the script, the log or the result', async () => {
    installFakeSudo(host, { password: 'pa$$ word\'"' });
    const { context, result } = call('hybrid.ssh.command.create', {
      properties: { create: 'echo "stdin: $(cat)"', sudo: true },
      hostOverrides: { sudo: { password: 'pa$$ word\'"' } },
    });
    const outcome = await result;
    expect(outputLines(context)).toEqual(['stdin: ']);
    expect(JSON.stringify([context.logs, outcome])).not.toContain('pa$$ word');
    expect(context.secrets).toContain('pa$$ word\'"');
  });

  test('a password given for a NOPASSWD sudo is not read by the script', async () => {
    installFakeSudo(host);
    const { context, result } = call('hybrid.ssh.command.create', { properties: { create: 'echo "stdin: $(cat)"', sudo: true }, hostOverrides: { sudo: { password: 'unused-password' } } });
    await result;
    expect(outputLines(context)).toEqual(['stdin: ']);
  });

  test('fails if sudo refuses the password, without showing it', async () => {
    installFakeSudo(host, { password: 'right-password' });
    const error = await rejection(call('hybrid.ssh.command.create', { properties: { create: 'touch ran.txt', sudo: true }, hostOverrides: { sudo: { password: 'wrong-password' } } }).result);
    expect(error).toBeInstanceOf(NonRecoverableError);
    expect(error.message).toBe(`sudo on host 'app-host' (${host.user}@${host.address}:${host.port}) refused the password from the Host's sudo secret; the create command did not run`);
    expect(fs.existsSync(inRoot('ran.txt'))).toBe(false);
  });

  test('fails if sudo needs a password and the Host gives none', async () => {
    installFakeSudo(host, { password: 'right-password' });
    const error = await rejection(call('hybrid.ssh.command.create', { properties: { create: 'true', sudo: true } }).result);
    expect(error.message).toContain('asks for a password, and the Host gives none: give it Sudo.withPassword(secret) or allow NOPASSWD');
  });
});

test('hybrid.ssh.run runs the script of its inputs and returns its outputs', async () => {
  const { result } = call('hybrid.ssh.run', {
    properties: {},
    operationName: 'cloudify.interfaces.relationship_lifecycle.establish',
    inputs: { script: 'echo ::hybrid-output::; echo "joined=$JOIN_COMMAND"', env: { JOIN_COMMAND: 'kubeadm join 10.0.0.5:6443' } },
  });
  expect((await result).runtimeProperties).toEqual({ joined: 'kubeadm join 10.0.0.5:6443' });
});
