/** Installs the fake sudo of SPEC.md on an SSH test host and reads what it recorded. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SshTestHost } from '../../../support/ssh/hosts';

const SCRIPT = path.join(__dirname, 'fake-sudo.sh');

function configDirectory(host: SshTestHost): string {
  return path.join(host.binDir, '.fake-sudo');
}

/** Puts `sudo` first on the host's PATH; with a password, sudo asks for it (else NOPASSWD). */
export function installFakeSudo(host: SshTestHost, options: { password?: string } = {}): void {
  const directory = configDirectory(host);
  fs.mkdirSync(directory, { recursive: true });
  fs.copyFileSync(SCRIPT, path.join(host.binDir, 'sudo'));
  fs.chmodSync(path.join(host.binDir, 'sudo'), 0o755);
  fs.rmSync(path.join(directory, 'password'), { force: true });
  if (options.password !== undefined) fs.writeFileSync(path.join(directory, 'password'), options.password + '\n', { mode: 0o600 });
  fs.rmSync(path.join(directory, 'calls.log'), { force: true });
}

/** Removes `sudo` from the host (as on a machine without sudo). */
export function removeFakeSudo(host: SshTestHost): void {
  fs.rmSync(path.join(host.binDir, 'sudo'), { force: true });
}

/** The calls recorded so far: `options=... args=N command=...` lines. */
export function fakeSudoCalls(host: SshTestHost): string[] {
  const file = path.join(configDirectory(host), 'calls.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
}
