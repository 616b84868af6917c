/**
 * The fake sudo of support/SPEC.md behaves as sudo(8) does in the cases the ssh provider
 * relies on. It runs here directly (no SSH), from a temporary bin directory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SshTestHost } from '../../support/ssh/hosts';
import { fakeSudoCalls, installFakeSudo } from './support/fake-sudo';

let host: SshTestHost;

beforeEach(() => {
  const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-fake-sudo-'));
  host = { binDir } as SshTestHost;
});

afterEach(() => {
  fs.rmSync(host.binDir, { recursive: true, force: true });
});

function sudo(args: string[], input = '') {
  const result = spawnSync('/bin/sh', [path.join(host.binDir, 'sudo'), ...args], { input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('without a password it runs the command and leaves stdin to it', () => {
  installFakeSudo(host);
  expect(sudo(['-n', '--', '/bin/sh', '-c', 'cat; echo "by $SUDO_USER"'], 'kept\n')).toMatchObject({ code: 0, stdout: `kept\nby ${os.userInfo().username}\n` });
});

test('with -S it prompts on stderr, reads one line, and leaves the rest of stdin to the command', () => {
  installFakeSudo(host, { password: 'pw' });
  expect(sudo(['-S', '-p', 'P:', '--', 'cat'], 'pw\nrest\n')).toEqual({ code: 0, stdout: 'rest\n', stderr: 'P:' });
});

test('fails if the password is wrong, as sudo says it', () => {
  installFakeSudo(host, { password: 'pw' });
  const result = sudo(['-S', '-p', 'P:', '--', 'true'], 'wrong\n');
  expect(result).toEqual({ code: 1, stdout: '', stderr: 'P:Sorry, try again.\nP:sudo: 1 incorrect password attempt\n' });
});

test('fails if -n is given and a password is needed', () => {
  installFakeSudo(host, { password: 'pw' });
  expect(sudo(['-n', '--', 'true'])).toEqual({ code: 1, stdout: '', stderr: 'sudo: a password is required\n' });
});

test('records each call without its arguments', () => {
  installFakeSudo(host);
  sudo(['-n', '--', '/bin/echo', 'secret-argument']);
  expect(fakeSudoCalls(host)).toEqual(['options=-n args=2 command=/bin/echo']);
});
