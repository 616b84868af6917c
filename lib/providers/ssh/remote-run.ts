/**
 * Running a script on a host. Nothing the user wrote goes on the SSH command line: the script,
 * a quoted environment file and a small runner are uploaded over SFTP into a private 0700
 * directory, and the command line is only `exec [sudo ...] /bin/sh <dir>/run`. The runner
 *   - reads no stdin (so a sudo password that sudo did not ask for is never seen by the script),
 *   - reports its process group on stderr (so a timeout or Ctrl-C can kill what the script started),
 *   - changes to the working directory, sources and deletes the environment file,
 *   - runs the script with its interpreter and arguments, and removes the directory on exit.
 * Output lines stream to the log as they arrive; outputs follow the protocol of `outputs.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { NonRecoverableError, OperationContext, RecoverableError } from '../../engine/provider';
import { ConnectionSpec, describeHost } from './connection-spec';
import { SshConnection } from './connections';
import { OutputReader } from './outputs';
import { checkNoNul, envPrelude, shQuote } from './quoting';
import { mkdirRemote, removeQuietly, writeRemoteFile } from './sftp';

/** Lines of output kept for error messages. */
export const TAIL_LINES = 20;
/** The stderr line the runner prints first: `::hybrid-started::<process group>`. */
const STARTED_MARKER = '::hybrid-started::';
/** The stderr line the runner prints when the working directory is missing. */
const NO_CWD_MARKER = '::hybrid-no-cwd::';

export interface RunSpec {
  /** What the messages call it: `the create script`. */
  readonly label: string;
  readonly script: string;
  /** The program that runs the script, with its arguments. @default - the script's `#!` line, else /bin/sh */
  readonly interpreter?: ReadonlyArray<string>;
  readonly args: ReadonlyArray<string>;
  readonly env: { readonly [name: string]: string };
  /** Empty: the login directory. */
  readonly cwd: string;
  readonly sudo: boolean;
  /** Outputs whose values are registered as secrets as soon as they are read. */
  readonly secretOutputs: ReadonlyArray<string>;
}

export interface RunResult {
  readonly outputs: { [name: string]: string };
}

/** The interpreter of a script: its `#!` line (program and at most one argument, as the kernel reads it), else /bin/sh. */
export function interpreterOf(script: string): string[] {
  if (!script.startsWith('#!')) return ['/bin/sh'];
  const line = script.slice(2, script.indexOf('\n') === -1 ? undefined : script.indexOf('\n')).trim();
  const space = line.search(/\s/);
  if (line === '') return ['/bin/sh'];
  return space === -1 ? [line] : [line.slice(0, space), line.slice(space).trim()];
}

/**
 * The runner script; `directory` holds `env` and `main`. Its own variables start with
 * `__hybrid_` (a prefix env names may not use), and the environment file is sourced only in the
 * subshell that becomes the interpreter, so nothing in it (PATH, IFS, CDPATH) changes the runner.
 */
export function runnerScript(directory: string, interpreter: ReadonlyArray<string>, cwd: string): string {
  return [
    '# hybrid: runs one operation script, then removes its directory',
    'exec 0</dev/null',
    `__hybrid_dir=${shQuote(directory)}`,
    // The directory goes however the run ends, a kill by signal included (SIGKILL excepted).
    `trap 'rm -rf "$__hybrid_dir"' EXIT`,
    "trap 'exit 129' HUP",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    '__hybrid_group=$$',
    // Field 5 of /proc/<pid>/stat is the process group (sudo may run us outside its group).
    'if [ -r /proc/$$/stat ]; then read -r _ _ _ _ __hybrid_group _ < /proc/$$/stat 2>/dev/null || __hybrid_group=$$; fi',
    `printf '%s%s\\n' '${STARTED_MARKER}' "$__hybrid_group" >&2`,
    ...(cwd === '' ? [] : [`if ! cd -- ${shQuote(cwd)} 2>/dev/null; then printf '%s\\n' '${NO_CWD_MARKER}' >&2; exit 1; fi`]),
    '__hybrid_rm=$(command -v rm)',
    '(',
    '  . "$__hybrid_dir/env"',
    '  "$__hybrid_rm" -f "$__hybrid_dir/env"',
    `  exec ${interpreter.map(shQuote).join(' ')} "$__hybrid_dir/main" "$@"`,
    ')',
    'exit $?',
    '',
  ].join('\n');
}

/** `sudo` as the command line runs it: -n (never prompt) for NOPASSWD, -S with our prompt for a password. */
function sudoPrefix(spec: ConnectionSpec, prompt: string): string {
  return spec.sudoPassword === undefined ? 'sudo -n --' : `sudo -S -p ${prompt} --`;
}

/** Splits text into lines as it arrives, holding back a partial last line. */
class Lines {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}
  public push(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop()!;
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }
  public end(): void {
    if (this.pending !== '') this.onLine(this.pending);
    this.pending = '';
  }
}

export function formatTail(lines: ReadonlyArray<string>): string {
  return lines.length === 0 ? '(no output)' : lines.map((line) => `  | ${line}`).join('\n');
}

/**
 * Runs `run` on the connection's host; resolves with its outputs, throws with the exit code and
 * the last lines of output when it fails. On abort (timeout, Ctrl-C) the script's process group
 * is killed before the promise rejects.
 */
export async function runScript(connection: SshConnection, context: OperationContext, run: RunSpec): Promise<RunResult> {
  const spec = connection.spec;
  checkNoNul(run.label, run.script);
  checkNoNul('cwd', run.cwd);
  const nonce = randomBytes(8).toString('hex');
  const directory = `${spec.tempDirectory}/hybrid-${nonce}`;
  const prompt = `hybrid-sudo-password-${nonce}:`;
  const sftp = await connection.sftp();

  await mkdirRemote(sftp, directory, 0o700);
  let started = false;
  try {
    await Promise.all([
      writeRemoteFile(sftp, `${directory}/env`, envPrelude(run.env, run.args), 0o600),
      writeRemoteFile(sftp, `${directory}/main`, run.script, 0o700),
      writeRemoteFile(sftp, `${directory}/run`, runnerScript(directory, run.interpreter ?? interpreterOf(run.script), run.cwd), 0o700),
    ]);
    const command = `exec ${run.sudo ? sudoPrefix(spec, prompt) + ' ' : ''}/bin/sh ${directory}/run`;

    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    const secretNames = new Set(run.secretOutputs);
    const reader = new OutputReader((name, value) => {
      if (secretNames.has(name)) context.registerSecret(value);
    });
    let group: number | undefined;
    let promptsSeen = 0;
    let noCwd = false;
    const sudoMessages: string[] = [];
    const stdout = new Lines((line) => {
      if (reader.line(line)) return;
      keep(line);
      context.log('info', line);
    });
    const stderr = new Lines((raw) => {
      let line = raw;
      while (run.sudo && line.includes(prompt)) {
        promptsSeen++;
        line = line.replace(prompt, '');
      }
      if (line.startsWith(STARTED_MARKER)) {
        started = true;
        group = Number(line.slice(STARTED_MARKER.length)) || undefined;
        return;
      }
      if (line === NO_CWD_MARKER) {
        noCwd = true;
        return;
      }
      if (line === '') return;
      if (!started) sudoMessages.push(line);
      keep(line);
      context.log('info', line);
    });

    let channel: ClientChannel | undefined;
    let killing: Promise<void> | undefined;
    const onAbort = () => {
      channel?.close();
      killing ??= killGroup(connection, run, group, prompt).catch(() => undefined);
    };
    if (context.signal.aborted) throw new Error(`${run.label} was not started: the operation was interrupted`);
    context.signal.addEventListener('abort', onAbort, { once: true });
    let result;
    try {
      result = await connection.exec(command, {
        ...(run.sudo && spec.sudoPassword !== undefined ? { stdin: spec.sudoPassword + '\n' } : {}),
        onChannel: (opened) => {
          channel = opened;
        },
        onData: (stream, text) => (stream === 'stdout' ? stdout : stderr).push(text),
      });
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      stdout.end();
      stderr.end();
    }
    if (killing) await killing;

    const where = `on ${describeHost(spec)}`;
    const lastLines = `last lines of output:\n${formatTail(tail)}`;
    if (context.signal.aborted) {
      throw new Error(`${run.label} ${where} was interrupted; its processes were killed`);
    }
    if (result.lost) {
      throw new RecoverableError(`the connection to ${describeHost(spec)} was lost while ${run.label} ran (it may have run in part); ${lastLines}`);
    }
    if (!started) throw startFailure(run, spec, result.code, promptsSeen, sudoMessages, lastLines);
    if (noCwd) throw new NonRecoverableError(`the working directory ${JSON.stringify(run.cwd)} of ${run.label} does not exist ${where}`);
    if (result.code !== 0) {
      const how = result.code === null ? `was killed by signal ${result.signal ?? 'unknown'}` : `exited with code ${result.code}`;
      const meaning = result.code === 127 ? ' (a program it runs was not found)' : result.code === 126 ? ' (a program it runs is not executable)' : '';
      const message = `${run.label} ${how}${meaning} ${where}; ${lastLines}`;
      throw result.code === 127 || result.code === 126 ? new NonRecoverableError(message) : new Error(message);
    }
    if (reader.unterminated) {
      throw new NonRecoverableError(`${run.label} ${where} began the multi-line output '${reader.unterminated}' but never printed its closing delimiter`);
    }
    return { outputs: reader.outputs };
  } finally {
    // The runner removes its directory; this covers a runner that never started or was killed.
    if (!started || context.signal.aborted) await removeQuietly(sftp, directory, ['env', 'main', 'run']);
  }
}

/** Why the runner never reported that it started: sudo refused, or the shell could not run it. */
function startFailure(run: RunSpec, spec: ConnectionSpec, code: number | null, promptsSeen: number, messages: ReadonlyArray<string>, lastLines: string): Error {
  const where = describeHost(spec);
  const said = messages.join('\n');
  if (run.sudo) {
    if (code === 127 || /sudo: (command )?not found/.test(said)) {
      return new NonRecoverableError(`${run.label} needs sudo, which is not installed on ${where}`);
    }
    if (promptsSeen > 1 || /incorrect password|Sorry, try again/.test(said)) {
      return new NonRecoverableError(`sudo on ${where} refused the password from the Host's sudo secret; ${run.label} did not run`);
    }
    if (/a password is required/.test(said)) {
      return new NonRecoverableError(
        `sudo on ${where} asks for a password, and the Host gives none: give it Sudo.withPassword(secret) or allow NOPASSWD for user '${spec.user}'; ${run.label} did not run`,
      );
    }
    if (/not in the sudoers|not allowed to (run|execute)/.test(said)) {
      return new NonRecoverableError(`user '${spec.user}' may not use sudo on ${where}; ${run.label} did not run; ${lastLines}`);
    }
  }
  return new Error(`${run.label} could not start on ${where} (exit code ${code ?? 'none'}); ${lastLines}`);
}

/** Kills the script's process group (TERM, then KILL what is left after 2 s), through sudo when it ran with sudo. */
async function killGroup(connection: SshConnection, run: RunSpec, group: number | undefined, prompt: string): Promise<void> {
  if (group === undefined || connection.closed) return;
  const kill = [
    `kill -TERM -${group} 2>/dev/null`,
    'i=0',
    // Zombies answer kill -0 until reaped: count only live members of the group.
    `while [ $i -lt 20 ] && ps -e -o pgid= -o stat= 2>/dev/null | awk -v g=${group} '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; do sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1)); done`,
    `kill -KILL -${group} 2>/dev/null`,
    'true',
  ].join('; ');
  const sudo = run.sudo ? `${sudoPrefix(connection.spec, prompt)} ` : '';
  await connection.exec(`exec ${sudo}/bin/sh -c ${shQuote(kill)}`, {
    ...(run.sudo && connection.spec.sudoPassword !== undefined ? { stdin: connection.spec.sudoPassword + '\n' } : {}),
    onData: () => undefined,
  });
}
