/**
 * Runs one shell command the way every local operation does: `/bin/sh -c`, in its own process
 * group (so a timeout or Ctrl-C kills everything it started, not just the shell), output split
 * into lines as it arrives, and the last lines kept for error messages.
 */
import { spawn } from 'node:child_process';

/** Lines of output kept for error messages. */
export const TAIL_LINES = 20;

/** After SIGTERM, how long the group gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** After the shell exits, how long to wait for its output pipes to close (a background child may hold them). */
const DRAIN_MS = 500;

export type OutputStream = 'stdout' | 'stderr';

export interface ShellOptions {
  readonly cwd: string;
  /** The complete environment (callers merge onto process.env). */
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  /** Kill the command after this long; 0, negative or Infinity means no limit of its own. */
  readonly timeoutMs: number;
  /** Called for each complete output line, without its line ending. */
  readonly onLine: (stream: OutputStream, line: string) => void;
}

export interface ShellResult {
  /** The exit code, or null when a signal ended the shell. */
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** The last TAIL_LINES lines of stdout and stderr, interleaved as they arrived. */
  readonly tail: ReadonlyArray<string>;
  /** Set when we killed the command. */
  readonly stoppedBy?: 'timeout' | 'abort';
}

/** Runs `command` with `/bin/sh -c`; resolves when it ends, rejects only if it cannot start. */
export function runShell(command: string, options: ShellOptions): Promise<ShellResult> {
  if (options.signal.aborted) {
    return Promise.resolve({ exitCode: null, exitSignal: null, tail: [], stoppedBy: 'abort' });
  }
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const emit = (stream: OutputStream, line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine(stream, line);
    };
    // detached: the shell leads a new process group whose id is its pid.
    const child = spawn('/bin/sh', ['-c', command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const splitters = { stdout: new LineSplitter((line) => emit('stdout', line)), stderr: new LineSplitter((line) => emit('stderr', line)) };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => splitters[stream].push(chunk));
    }

    let stoppedBy: ShellResult['stoppedBy'];
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: 'timeout' | 'abort') => {
      if (stoppedBy || child.pid === undefined) return;
      stoppedBy = reason;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = () => stop('abort');
    options.signal.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = options.timeoutMs > 0 && Number.isFinite(options.timeoutMs) ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
    const cleanup = () => {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
    };

    child.once('error', (error) => {
      cleanup();
      reject(error);
    });
    child.once('exit', (exitCode, exitSignal) => {
      cleanup();
      // The leader is gone; whatever it left in its group survived SIGTERM, so it gets SIGKILL now.
      if (stoppedBy) signalGroup(child.pid!, 'SIGKILL');
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(drainTimer);
        splitters.stdout.end();
        splitters.stderr.end();
        resolve({ exitCode, exitSignal, tail, stoppedBy });
      };
      // A command that starts a background process (`server &`) leaves our pipes open in it:
      // stop reading after a short drain instead of waiting for that process to end.
      const drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, DRAIN_MS);
      child.once('close', finish);
    });
  });
}

/**
 * Sends a signal to a whole process group; false when the group no longer exists. EPERM (a member
 * we may not signal, e.g. a setuid program) does not throw: the rest of the group got the signal.
 */
export function signalGroup(groupId: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw error;
  }
}

/** Splits a text stream into lines (`\n` or `\r\n`), holding back a partial last line. */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  public push(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop()!;
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  public end(): void {
    if (this.pending.length > 0) this.onLine(this.pending);
    this.pending = '';
  }
}

/** `lines` as an indented block for an error message, or a note that there was no output. */
export function formatTail(lines: ReadonlyArray<string>): string {
  return lines.length === 0 ? '(no output)' : lines.map((line) => `  | ${line}`).join('\n');
}
