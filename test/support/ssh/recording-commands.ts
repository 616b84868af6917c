/**
 * Recording commands for SSH test hosts: small shell scripts (kubeadm, kubectl, systemctl,
 * containerd, apt-get) installed into a host's bin dir (first on PATH in its sessions). Each call
 * appends one JSON line to `<rootDir>/var/log/recorded-commands.log` and behaves like the real
 * command as far as SPEC.md says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RECORDING_COMMANDS = ['kubeadm', 'kubectl', 'systemctl', 'containerd', 'apt-get'] as const;
export type RecordingCommandName = (typeof RECORDING_COMMANDS)[number];

const SOURCE_DIR = path.join(__dirname, 'recording-commands');

/** What the commands need to know about a host (an SshTestHost fits). */
export interface RecordingHost {
  name: string;
  address: string;
  rootDir: string;
  binDir: string;
}

export interface RecordedCommand {
  /** ISO time the call started */
  time: string;
  /** host name */
  host: string;
  /** command name, e.g. "kubeadm" */
  command: string;
  /** arguments after the command name */
  args: string[];
  /** working directory of the call */
  cwd: string;
  /**
   * Selected environment: HYBRID_TEST_HOST_NAME, HOME, USER, LOGNAME, KUBECONFIG,
   * DEBIAN_FRONTEND, NEEDRESTART_MODE, SUDO_USER, LANG and the names given in recordEnv,
   * each only when set
   */
  env: Record<string, string>;
  /** the command's exit code */
  exitCode: number;
}

export interface InstallRecordingCommandsOptions {
  /** which commands to install; default all */
  commands?: readonly RecordingCommandName[];
  /**
   * Content `kubeadm init` writes to `<root>/etc/kubernetes/admin.conf` (e.g. a real API server's
   * kubeconfig); default a placeholder kubeconfig for https://<address>:6443
   */
  adminConf?: string;
  /** extra environment variable names to record */
  recordEnv?: string[];
  /** the hosts' common parent dir, where `kubeadm join` looks for the host that ran init; default dirname(dirname(rootDir)) */
  hostsDir?: string;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function stateDir(host: RecordingHost): string {
  return path.join(host.binDir, '.recording');
}

export function recordedCommandsLog(host: RecordingHost): string {
  return path.join(host.rootDir, 'var', 'log', 'recorded-commands.log');
}

/** Installs the recording commands into host.binDir. Safe to call again (overwrites). */
export function installRecordingCommands(host: RecordingHost, opts: InstallRecordingCommandsOptions = {}): void {
  const commands = opts.commands ?? RECORDING_COMMANDS;
  for (const n of opts.recordEnv ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new Error(`recordEnv: bad variable name ${n}`);
  }
  const state = stateDir(host);
  fs.mkdirSync(path.join(state, 'fail'), { recursive: true });
  fs.mkdirSync(path.join(host.rootDir, 'var', 'log'), { recursive: true });
  const hostsDir = opts.hostsDir ?? path.dirname(path.dirname(host.rootDir));
  fs.writeFileSync(
    path.join(state, 'config'),
    [
      `ROOT=${shQuote(host.rootDir)}`,
      `HOST=${shQuote(host.name)}`,
      `ADDRESS=${shQuote(host.address)}`,
      `HOSTS_DIR=${shQuote(hostsDir)}`,
      `EXTRA_ENV=${shQuote((opts.recordEnv ?? []).join(' '))}`,
      '',
    ].join('\n'),
  );
  fs.copyFileSync(path.join(SOURCE_DIR, '_record.sh'), path.join(host.binDir, '_record.sh'));
  for (const c of commands) {
    const dest = path.join(host.binDir, c);
    fs.copyFileSync(path.join(SOURCE_DIR, c), dest);
    fs.chmodSync(dest, 0o755);
  }
  if (opts.adminConf !== undefined) setAdminConf(host, opts.adminConf);
}

/** Sets the admin.conf content the next `kubeadm init` on this host writes. */
export function setAdminConf(host: RecordingHost, content: string): void {
  fs.mkdirSync(stateDir(host), { recursive: true });
  fs.writeFileSync(path.join(stateDir(host), 'admin.conf'), content);
}

/**
 * Makes a recording command fail (after recording the call) with `exitCode` and `stderr`,
 * for every call, or only for calls whose arguments joined by spaces start with `argsPrefix`
 * (e.g. "init"). Pass null to clear.
 */
export function setCommandFailure(
  host: RecordingHost,
  command: RecordingCommandName,
  failure: { exitCode: number; stderr?: string; argsPrefix?: string } | null,
): void {
  const base = path.join(stateDir(host), 'fail', command);
  for (const ext of ['.code', '.stderr', '.args']) fs.rmSync(base + ext, { force: true });
  if (!failure) return;
  if (!Number.isInteger(failure.exitCode) || failure.exitCode < 1 || failure.exitCode > 255) {
    throw new Error('setCommandFailure: exitCode must be 1..255');
  }
  fs.mkdirSync(path.dirname(base), { recursive: true });
  if (failure.stderr !== undefined) fs.writeFileSync(base + '.stderr', failure.stderr.endsWith('\n') ? failure.stderr : failure.stderr + '\n');
  if (failure.argsPrefix !== undefined) fs.writeFileSync(base + '.args', failure.argsPrefix);
  fs.writeFileSync(base + '.code', String(failure.exitCode));
}

/** The calls recorded on a host so far, in the order they finished; optionally one command only. */
export function readRecordedCommands(host: RecordingHost, filter: { command?: RecordingCommandName | string } = {}): RecordedCommand[] {
  let text: string;
  try {
    text = fs.readFileSync(recordedCommandsLog(host), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const all = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as RecordedCommand;
      } catch {
        throw new Error(`${recordedCommandsLog(host)} line ${i + 1} is not JSON: ${l}`);
      }
    });
  return filter.command ? all.filter((r) => r.command === filter.command) : all;
}

/** Forgets the calls recorded so far on a host. */
export function clearRecordedCommands(host: RecordingHost): void {
  fs.rmSync(recordedCommandsLog(host), { force: true });
}
