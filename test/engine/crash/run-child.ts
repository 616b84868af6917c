import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { CrashJob, CrashJobResult } from './crash-child';

const ENTRY = path.join(__dirname, 'entry.js');
const CHILD = path.join(__dirname, 'crash-child.ts');

export interface ChildOutcome {
  /** 'SIGKILL' when the process was killed. */
  readonly signal: string | null;
  readonly code: number | null;
  readonly results: CrashJobResult[];
  readonly stderr: string;
}

/** Starts an engine process running the crash stack's jobs (see crash-child.ts). */
export function startChild(jobs: ReadonlyArray<CrashJob>, compileCache?: string): { child: ChildProcess; outcome: Promise<ChildOutcome> } {
  const child = spawn(process.execPath, [ENTRY, CHILD, JSON.stringify({ jobs })], {
    env: { ...process.env, ...(compileCache ? { HYBRID_TEST_COMPILE_CACHE: compileCache } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const outcome = new Promise<ChildOutcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const results = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as CrashJobResult);
      resolve({ signal, code, results, stderr });
    });
  });
  return { child, outcome };
}

/** Runs an engine process to its end. */
export function runChild(jobs: ReadonlyArray<CrashJob>, compileCache?: string): Promise<ChildOutcome> {
  return startChild(jobs, compileCache).outcome;
}
