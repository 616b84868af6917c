/**
 * Property tests with a seeded generator: hostile strings in env values, arguments, working
 * directories and file paths reach the host byte for byte and are never evaluated by a shell.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OperationResult } from '../../../lib/engine/provider';
import { SshProvider, sshProvider } from '../../../lib/providers/ssh';
import { envPrelude } from '../../../lib/providers/ssh/quoting';
import { startSshHosts, SshTestHost, SshTestHosts } from '../../support/ssh/hosts';
import { installFakeSudo, removeFakeSudo } from './support/fake-sudo';
import { hostileString, randomSource } from './support/hostile-strings';
import { hostProperties, hostView, sshContext } from './support/context';

const SEED = 0x5eed_2024;

/** Splits NUL-terminated strings. */
function nulList(data: string): string[] {
  const parts = data.split('\0');
  parts.pop();
  return parts;
}

test(`the env prelude gives /bin/sh back every hostile value and argument unchanged (seed ${SEED})`, () => {
  const random = randomSource(SEED);
  const values = Array.from({ length: 300 }, () => hostileString(random, 8));
  const env = Object.fromEntries(values.map((value, index) => [`V${index}`, value]));
  const script = envPrelude(env, values) + `printf '%s\\0' ${values.map((_, index) => `"$V${index}"`).join(' ')} "$@"\n`;
  const directory = fs.mkdtempSync('/tmp/hybrid-quoting-');
  try {
    const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', cwd: directory });
    expect(nulList(result.stdout)).toEqual([...values, ...values]);
    expect(fs.readdirSync(directory)).toEqual([]);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

describe('on a real host', () => {
  let hosts: SshTestHosts;
  let host: SshTestHost;
  let provider: SshProvider;

  beforeAll(async () => {
    hosts = await startSshHosts(1);
    host = hosts.host('host1');
    provider = sshProvider();
  });

  afterAll(async () => {
    await provider?.close!();
    await hosts?.stop();
  });

  function call(implementation: string, properties: { [key: string]: any }) {
    const context = sshContext({ implementation, host: hostView('quoting-host', hostProperties(hosts, 'host1')), properties });
    return provider.operations[implementation](context) as Promise<OperationResult>;
  }

  /** Nothing a hostile string ran left a PWNED file anywhere under the host root. */
  function pwned(): string[] {
    const found: string[] = [];
    const visit = (directory: string) => {
      for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
        if (entry.name === 'PWNED') found.push(path.join(directory, entry.name));
        if (entry.isDirectory()) visit(path.join(directory, entry.name));
      }
    };
    visit(host.rootDir);
    return found;
  }

  test(`hostile env values and arguments reach the script byte for byte (seed ${SEED + 1})`, async () => {
    const random = randomSource(SEED + 1);
    for (let run = 0; run < 6; run++) {
      const values = Array.from({ length: 10 }, () => hostileString(random));
      const args = Array.from({ length: 10 }, () => hostileString(random));
      const env = Object.fromEntries(values.map((value, index) => [`V${index}`, value]));
      const script = `printf '%s\\0' ${values.map((_, index) => `"$V${index}"`).join(' ')} > "$HOME/env.bin"\nprintf '%s\\0' "$@" > "$HOME/args.bin"\n`;
      await call('hybrid.ssh.script.create', { create: script, env, args });
      expect(nulList(fs.readFileSync(path.join(host.rootDir, 'env.bin'), 'utf8'))).toEqual(values);
      expect(nulList(fs.readFileSync(path.join(host.rootDir, 'args.bin'), 'utf8'))).toEqual(args);
    }
    expect(pwned()).toEqual([]);
  });

  test(`hostile working directories are entered, never evaluated (seed ${SEED + 2})`, async () => {
    const random = randomSource(SEED + 2);
    for (let run = 0; run < 5; run++) {
      const name = hostileString(random, 6, '/').replace(/^\.{1,2}$/, 'dots');
      fs.mkdirSync(path.join(host.rootDir, 'cwd', name), { recursive: true });
      await call('hybrid.ssh.command.create', { create: 'pwd > "$HOME/cwd.out"', cwd: `cwd/${name}` });
      expect(fs.readFileSync(path.join(host.rootDir, 'cwd.out'), 'utf8')).toBe(`${path.join(host.rootDir, 'cwd', name)}\n`);
    }
    expect(pwned()).toEqual([]);
  });

  test(`hostile remote paths are written as named, directly and through sudo (seed ${SEED + 3})`, async () => {
    const random = randomSource(SEED + 3);
    installFakeSudo(host);
    try {
      for (let run = 0; run < 8; run++) {
        const name = hostileString(random, 6, '/').replace(/^\.{1,2}$/, 'dots');
        const content = hostileString(random);
        await call('hybrid.ssh.file.create', { path: `uploads/${run % 2 === 0 ? 'direct' : 'sudo'}/${name}`, content, sudo: run % 2 === 1 });
        expect(fs.readFileSync(path.join(host.rootDir, 'uploads', run % 2 === 0 ? 'direct' : 'sudo', name), 'utf8')).toBe(content);
      }
    } finally {
      removeFakeSudo(host);
    }
    expect(pwned()).toEqual([]);
  });
});
