/**
 * Real OpenSSH test hosts: one `/usr/sbin/sshd -D -e -f <config>` per host, each on its own
 * loopback address (127.0.0.2, 127.0.0.3, ...) and a free unprivileged port, with its own
 * generated ed25519 host key and one shared generated client key authorized for login.
 *
 * Each host has a directory tree standing in for its filesystem (`<tmp>/hosts/<name>/root`):
 * sessions (commands, shells, sftp) run with it as HOME and working directory, with
 * HYBRID_TEST_HOST_ROOT / HYBRID_TEST_HOST_NAME / HYBRID_TEST_HOST_ADDRESS / HYBRID_TEST_HOSTS_DIR
 * set and `<tmp>/hosts/<name>/bin` first on PATH. Sessions run as the current user for real.
 *
 * Needs `test/support/ssh/install.sh` (openssh-server, openssh-client).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  fingerprintOf,
  freePort,
  killOnExit,
  killTree,
  knownHostsPattern,
  requireBinaries,
  runOk,
  waitExit,
} from './process-util';

export const SSH_INSTALL_SCRIPT = 'test/support/ssh/install.sh';
export const SSHD = '/usr/sbin/sshd';
export const SSH_KEYGEN = 'ssh-keygen';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SshTestHost {
  /** host name given or generated ("host1", "host2", ...) */
  name: string;
  /** loopback address the host's sshd listens on, 127.0.0.2, 127.0.0.3, ... */
  address: string;
  port: number;
  /** login user: the user running the tests (root in CI) */
  user: string;
  /** "SHA256:..." exactly as `ssh-keygen -lf` / `ssh` print it */
  hostKeyFingerprint: string;
  /** the host's public key, "ssh-ed25519 AAAA..." (the key part of a known_hosts line) */
  hostPublicKey: string;
  /** a complete known_hosts line for this host: "[127.0.0.2]:PORT ssh-ed25519 AAAA..." */
  knownHostsLine: string;
  /** the directory standing in for the host's filesystem root; HOME and cwd of sessions */
  rootDir: string;
  /** first on PATH in this host's sessions: drop recording commands here */
  binDir: string;
  /** sshd's own files: config, host key, pid file, log */
  sshdDir: string;
  /** sshd's log (its stderr, -e) */
  logFile: string;
  /** true while its sshd runs */
  running: boolean;
  /** pid of the running sshd (undefined while stopped) */
  pid?: number;
}

export interface SshTestHosts {
  hosts: SshTestHost[];
  /** the host by name; throws for an unknown name */
  host(name: string): SshTestHost;
  /** the temp directory holding everything (removed by stop()) */
  tmpDir: string;
  /** `<tmpDir>/hosts`: parent of every host's directory (HYBRID_TEST_HOSTS_DIR in sessions) */
  hostsDir: string;
  /** login user for all hosts */
  user: string;
  /** the shared client key (OpenSSH format, no passphrase) authorized on every host */
  clientKey: { privateKeyPath: string; privateKey: string; publicKey: string };
  /** known_hosts file with every host's key */
  knownHostsFile: string;
  /**
   * Arguments for the `ssh` binary to reach a host non-interactively with strict host key
   * checking: `['-i', key, '-o', 'UserKnownHostsFile=...', ..., '-p', port, user@address]`.
   */
  sshArgs(name: string): string[];
  /** Stops one host's sshd and drops its open connections (the host becomes unreachable). */
  stopHost(name: string): Promise<void>;
  /** Starts a stopped host again on the same address, port and host key. */
  startHost(name: string): Promise<void>;
  /** Kills every sshd started here (and their sessions) and removes the temp directory. */
  stop(): Promise<void>;
}

export interface StartSshHostsOptions {
  /** host names (length must equal count); default host1..hostN */
  names?: string[];
  /** last octet of the first host's address; default 2 (127.0.0.2) */
  firstAddressOctet?: number;
  /** extra environment for every session (SetEnv) */
  env?: Record<string, string>;
  /** sshd LogLevel; default INFO */
  logLevel?: 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** parent directory of the temp dir; default os.tmpdir() */
  tmpParent?: string;
  /** keep the temp dir on stop() (for debugging) */
  keepTmpDir?: boolean;
}

interface HostState {
  host: SshTestHost;
  configFile: string;
  child?: ChildProcess;
  forget?: () => void;
}

/** The per-session wrapper (ForceCommand): cd to the host root, then run what was asked. */
export const SESSION_WRAPPER = `#!/bin/sh
# ForceCommand of a hybrid SSH test host: run the session in the host's own root.
cd "$HYBRID_TEST_HOST_ROOT" || exit 1
HOME="$HYBRID_TEST_HOST_ROOT"; export HOME
PATH="$HYBRID_TEST_HOST_BIN:${DEFAULT_PATH}"; export PATH
shell="\${SHELL:-/bin/sh}"
if [ -z "\${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec "$shell" -l
fi
exec "$shell" -c "$SSH_ORIGINAL_COMMAND"
`;

export function quoteSetEnv(name: string, value: string): string {
  if (/["\\\n]/.test(value)) throw new Error(`session env ${name} holds a character sshd_config cannot quote`);
  return `"${name}=${value}"`;
}

/** sshd_config lines every test sshd shares: key-only login as the current user, no PAM. */
export function commonSshdOptions(logLevel = 'INFO'): string[] {
  return [
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PermitUserRC no',
    'PermitUserEnvironment no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'LoginGraceTime 20',
    `LogLevel ${logLevel}`,
  ];
}

/**
 * A test host's sshd_config: listens on `h.address:h.port`, host key and pid file in `h.sshdDir`,
 * the session environment of SPEC.md (`extraEnv` comes last, so it may override e.g.
 * HYBRID_TEST_HOST_ADDRESS), and `wrapper` (a file holding SESSION_WRAPPER) as ForceCommand.
 */
export function sshdConfig(h: SshTestHost, authorizedKeys: string, wrapper: string, hostsDir: string, extraEnv: Record<string, string>, logLevel: string): string {
  const env: Record<string, string> = {
    HYBRID_TEST_HOST_NAME: h.name,
    HYBRID_TEST_HOST_ROOT: h.rootDir,
    HYBRID_TEST_HOST_BIN: h.binDir,
    HYBRID_TEST_HOST_ADDRESS: h.address,
    HYBRID_TEST_HOSTS_DIR: hostsDir,
    HOME: h.rootDir,
    PATH: `${h.binDir}:${DEFAULT_PATH}`,
    ...extraEnv,
  };
  return [
    `# sshd for hybrid SSH test host ${h.name}`,
    `ListenAddress ${h.address}:${h.port}`,
    `HostKey ${h.sshdDir}/ssh_host_ed25519_key`,
    `PidFile ${h.sshdDir}/sshd.pid`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    ...commonSshdOptions(logLevel),
    'AcceptEnv LANG LC_* HYBRID_*',
    `SetEnv ${Object.entries(env).map(([k, v]) => quoteSetEnv(k, v)).join(' ')}`,
    `ForceCommand ${wrapper}`,
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

/**
 * Spawns `/usr/sbin/sshd -D -e -f configFile`, appending its stderr to logFile; resolves with
 * the child once sshd logs "Server listening" (rejects with its output if it exits or takes
 * more than 10 s). The caller owns the child (kill it with killTree(child.pid)).
 */
export async function launchSshd(configFile: string, logFile: string, label: string): Promise<ChildProcess> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer) => {
    try {
      fs.writeSync(log, chunk);
    } catch {
      // log closed
    }
    if (output.length < 100_000) output += chunk.toString('utf8');
  };
  child.stderr!.on('data', onData);
  child.once('exit', () => {
    try {
      fs.closeSync(log);
    } catch {
      // already closed
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/Server listening on/.test(output)) done();
    }, 10);
    const timeout = setTimeout(() => done(new Error(`sshd for ${label} did not start in 10 s:\n${output}`)), 10_000);
    const onExit = (code: number | null, sig: string | null) =>
      done(new Error(`sshd for ${label} exited (${code ?? sig}) while starting:\n${output}`));
    const onError = (e: Error) => done(e);
    function done(err?: Error) {
      clearInterval(timer);
      clearTimeout(timeout);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else resolve();
    }
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // a host a test forgot to stop must not keep jest waiting (the watchdog still ends it)
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return child;
}

/** Starts one host's sshd. */
async function launch(state: HostState): Promise<void> {
  const h = state.host;
  const child = await launchSshd(state.configFile, h.logFile, h.name);
  state.child = child;
  child.once('exit', () => {
    h.running = false;
    h.pid = undefined;
  });
  h.pid = child.pid;
  h.running = true;
  state.forget = killOnExit(child.pid!);
}

async function stopState(state: HostState): Promise<void> {
  const child = state.child;
  if (!child || child.pid === undefined) return;
  await killTree(child.pid);
  await waitExit(child);
  state.forget?.();
  state.child = undefined;
  state.host.running = false;
  state.host.pid = undefined;
}

/**
 * A test host's directory tree under `hostDir`: `root/` standing for its filesystem (with tmp,
 * etc and var/log), `bin/` first on its PATH, and `sshd/` (0700) for its sshd's files.
 */
export function makeHostTree(hostDir: string): { rootDir: string; binDir: string; sshdDir: string } {
  const rootDir = path.join(hostDir, 'root');
  const binDir = path.join(hostDir, 'bin');
  const sshdDir = path.join(hostDir, 'sshd');
  for (const d of [rootDir, binDir, path.join(rootDir, 'tmp'), path.join(rootDir, 'etc'), path.join(rootDir, 'var', 'log')]) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(sshdDir, { recursive: true, mode: 0o700 });
  return { rootDir, binDir, sshdDir };
}

export async function generateKey(file: string, comment: string): Promise<{ privateKey: string; publicKey: string }> {
  await runOk(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Makes sure sshd can start: its privilege separation directory exists when running as root. */
export function prepareSshd(): void {
  requireBinaries([SSHD, SSH_KEYGEN, 'ssh'], SSH_INSTALL_SCRIPT);
  if (process.getuid?.() === 0 && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755 });
}

export async function startSshHosts(count: number, opts: StartSshHostsOptions = {}): Promise<SshTestHosts> {
  if (!Number.isInteger(count) || count < 1) throw new Error('startSshHosts: count must be a positive integer');
  const names = opts.names ?? Array.from({ length: count }, (_, i) => `host${i + 1}`);
  if (names.length !== count) throw new Error('startSshHosts: names.length must equal count');
  if (new Set(names).size !== names.length || names.some((n) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n))) {
    throw new Error('startSshHosts: names must be unique and made of letters, digits, ".", "_", "-"');
  }
  const first = opts.firstAddressOctet ?? 2;
  if (first < 2 || first + count - 1 > 254) throw new Error('startSshHosts: addresses must stay within 127.0.0.2-127.0.0.254');
  prepareSshd();

  const tmpDir = fs.mkdtempSync(path.join(opts.tmpParent ?? os.tmpdir(), 'hybrid-ssh-'));
  const hostsDir = path.join(tmpDir, 'hosts');
  const clientDir = path.join(tmpDir, 'client');
  fs.mkdirSync(hostsDir);
  fs.mkdirSync(clientDir, { mode: 0o700 });
  const user = os.userInfo().username;
  const states: HostState[] = [];

  const stopAll = async () => {
    await Promise.all(states.map(stopState));
  };

  try {
    const keyFile = path.join(clientDir, 'id_ed25519');
    const wrapper = path.join(tmpDir, 'session-wrapper.sh');
    fs.writeFileSync(wrapper, SESSION_WRAPPER, { mode: 0o755 });
    const authorizedKeys = path.join(clientDir, 'authorized_keys');

    const [client, ...hostKeys] = await Promise.all([
      generateKey(keyFile, 'hybrid-test-client'),
      ...names.map((name) => {
        const sshdDir = path.join(hostsDir, name, 'sshd');
        fs.mkdirSync(sshdDir, { recursive: true, mode: 0o700 });
        return generateKey(path.join(sshdDir, 'ssh_host_ed25519_key'), `hybrid-test-host-${name}`);
      }),
    ]);
    fs.writeFileSync(authorizedKeys, client.publicKey + '\n', { mode: 0o600 });

    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const address = `127.0.0.${first + i}`;
      const { rootDir, binDir, sshdDir } = makeHostTree(path.join(hostsDir, name));
      const publicKey = hostKeys[i].publicKey.split(/\s+/).slice(0, 2).join(' ');
      const port = await freePort(address);
      const host: SshTestHost = {
        name,
        address,
        port,
        user,
        hostKeyFingerprint: fingerprintOf(publicKey),
        hostPublicKey: publicKey,
        knownHostsLine: `${knownHostsPattern(address, port)} ${publicKey}`,
        rootDir,
        binDir,
        sshdDir,
        logFile: path.join(sshdDir, 'sshd.log'),
        running: false,
      };
      const configFile = path.join(sshdDir, 'sshd_config');
      fs.writeFileSync(configFile, sshdConfig(host, authorizedKeys, wrapper, hostsDir, opts.env ?? {}, opts.logLevel ?? 'INFO'));
      states.push({ host, configFile });
    }

    // Start all sshds at once; a port taken between freePort() and bind is retried on another port.
    await Promise.all(
      states.map(async (s) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await launch(s);
            return;
          } catch (e) {
            if (attempt >= 3 || !/Address already in use|Cannot bind any address/.test(String(e))) throw e;
            const h = s.host;
            h.port = await freePort(h.address);
            h.knownHostsLine = `${knownHostsPattern(h.address, h.port)} ${h.hostPublicKey}`;
            fs.writeFileSync(s.configFile, fs.readFileSync(s.configFile, 'utf8').replace(/^ListenAddress .*$/m, `ListenAddress ${h.address}:${h.port}`));
          }
        }
      }),
    );

    const knownHostsFile = path.join(clientDir, 'known_hosts');
    fs.writeFileSync(knownHostsFile, states.map((s) => s.host.knownHostsLine).join('\n') + '\n');

    const byName = (name: string): HostState => {
      const s = states.find((x) => x.host.name === name);
      if (!s) throw new Error(`no SSH test host named ${name}`);
      return s;
    };
    let stopped = false;
    return {
      hosts: states.map((s) => s.host),
      host: (name) => byName(name).host,
      tmpDir,
      hostsDir,
      user,
      clientKey: { privateKeyPath: keyFile, privateKey: client.privateKey, publicKey: client.publicKey },
      knownHostsFile,
      sshArgs: (name) => {
        const h = byName(name).host;
        return [
          '-i', keyFile,
          '-o', `UserKnownHostsFile=${knownHostsFile}`,
          '-o', 'GlobalKnownHostsFile=/dev/null',
          '-o', 'StrictHostKeyChecking=yes',
          '-o', 'IdentitiesOnly=yes',
          '-o', 'BatchMode=yes',
          '-o', 'ConnectTimeout=5',
          '-F', '/dev/null',
          '-p', String(h.port),
          `${user}@${h.address}`,
        ];
      },
      stopHost: async (name) => {
        await stopState(byName(name));
      },
      startHost: async (name) => {
        const s = byName(name);
        if (s.child) return;
        await launch(s);
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (!opts.keepTmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopAll();
    if (!opts.keepTmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}
