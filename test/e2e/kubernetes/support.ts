/**
 * Running the hybrid CLI against the test control plane: synchronously (runCli from the CLI
 * tests) or in the background, to inject faults while a deploy runs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from '../../cli/support';

export interface RunningCli {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches (rejects after the timeout, showing the output). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  readonly exit: Promise<number>;
}

/** Starts `hybrid <args>` in `cwd` without waiting for it. */
export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(cwd, '.hybrid-home'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    output: () => text,
    exit,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output so far:\n${text}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        exit.then(() => {
          if (listeners.has(check)) {
            cleanup();
            if (pattern.test(text)) resolve();
            else reject(new Error(`the CLI exited before printing ${pattern}; output:\n${text}`));
          }
        });
        check();
      });
    },
  };
}

/**
 * Runs `hybrid <args>` to the end without blocking this process: the node simulator runs in the
 * test's own process and must keep acting on the cluster meanwhile.
 */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(cwd, '.hybrid-home'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number>((resolve) => child.on('close', (exitCode) => resolve(exitCode ?? -1)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A project's CLI for an end-to-end test: each run named, its output kept in `transcripts`. */
export interface ProjectCli {
  /** Runs `hybrid <args>` in the project, with its inputs.yaml (but for `outputs`). */
  (run: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** stdout and stderr of each run, by name. */
  readonly transcripts: { [run: string]: string };
}

/** `project` and `env` are read at each run: tests set them up in beforeAll. */
export function projectCli(project: () => string, env: () => NodeJS.ProcessEnv, timeoutMs: number): ProjectCli {
  const transcripts: { [run: string]: string } = {};
  const cli = async (run: string, args: string[]) => {
    const withInputs = args[0] === 'outputs' ? args : [...args, '--inputs', path.join(project(), 'inputs.yaml')];
    const result = await runCli(withInputs, project(), env(), timeoutMs);
    transcripts[run] = result.stdout + result.stderr;
    return result;
  };
  return Object.assign(cli, { transcripts });
}
