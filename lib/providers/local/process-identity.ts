/**
 * Finding a process hybrid started, across runs and crashes. Each process runs with
 * HYBRID_IDENTITY=<identity> in its environment and leads its own process group; a pid file
 * records its pid and start time. A pid is trusted only when that process is alive and carries
 * our identity, so a recycled pid is never adopted or killed.
 */
import { execFile } from 'node:child_process';
import { accessSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { writeFileAtomic } from './atomic-write';
import { signalGroup } from './shell';

/** The environment variable that marks a process as ours. */
export const IDENTITY_VARIABLE = 'HYBRID_IDENTITY';

/** The content of a pid file. */
export interface PidRecord {
  readonly pid: number;
  readonly identity: string;
  /** When hybrid started it (ISO time), for people reading the file. */
  readonly startedAt: string;
  /** The kernel's start time of the process (clock ticks since boot, Linux), to tell a reused pid. */
  readonly startTicks?: number;
  /** The program (not its arguments, which may hold secrets), for people reading the file. */
  readonly program: string;
  readonly logFile: string;
  /** A hash of the command, env and cwd it was started with, to tell a changed process from ours. */
  readonly fingerprint?: string;
}

/** Fields of /proc/<pid>/stat that matter here. */
interface ProcStat {
  readonly state: string;
  readonly processGroup: number;
  readonly startTicks: number;
}

const HAS_PROC = (() => {
  try {
    accessSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

export async function readPidFile(file: string): Promise<PidRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const record = JSON.parse(text);
    return Number.isInteger(record?.pid) && record.pid > 0 && typeof record.identity === 'string' ? record : undefined;
  } catch {
    return undefined; // a torn or foreign file names no process we can trust
  }
}

export async function writePidFile(file: string, record: PidRecord): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n', 0o644);
}

export async function removePidFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/** Linux only: state, process group and start time, or undefined when the process is gone. */
export async function procStat(pid: number): Promise<ProcStat | undefined> {
  if (!HAS_PROC) return undefined;
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], processGroup: Number(fields[2]), startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped) counts as gone. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is not ours either way.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = await procStat(pid);
  return HAS_PROC ? stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' : true;
}

/** True when `pid` runs with HYBRID_IDENTITY=<identity> in its environment. */
export async function hasIdentity(pid: number, identity: string): Promise<boolean> {
  const entry = `${IDENTITY_VARIABLE}=${identity}`;
  if (HAS_PROC) {
    try {
      const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
      return environ.split('\0').includes(entry);
    } catch {
      return false; // gone, or another user's process
    }
  }
  // Without /proc (macOS, BSD), `ps eww` prints the environment after the command line.
  try {
    const { stdout } = await promisify(execFile)('ps', ['eww', '-o', 'command=', '-p', String(pid)]);
    return stdout.split(/\s+/).includes(entry);
  } catch {
    return false;
  }
}

/** The record's process when it is alive, ours, and (where the kernel tells) the same process. */
export async function liveRecordedProcess(record: PidRecord | undefined, identity: string): Promise<number | undefined> {
  if (!record || record.identity !== identity) return undefined;
  if (!(await isAlive(record.pid)) || !(await hasIdentity(record.pid, identity))) return undefined;
  const stat = await procStat(record.pid);
  if (record.startTicks !== undefined && stat !== undefined && stat.startTicks !== record.startTicks) return undefined;
  return record.pid;
}

/**
 * Linux only: the process group leader carrying `identity`, for a crash between spawn and the
 * pid file write. Children inherit the variable, so only group leaders count, the oldest first.
 */
export async function findByIdentity(identity: string): Promise<number | undefined> {
  if (!HAS_PROC) return undefined;
  const candidates: Array<{ pid: number; startTicks: number }> = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const stat = await procStat(pid);
    if (!stat || stat.processGroup !== pid || stat.state === 'Z') continue;
    if (await hasIdentity(pid, identity)) candidates.push({ pid, startTicks: stat.startTicks });
  }
  candidates.sort((a, b) => a.startTicks - b.startTicks);
  return candidates[0]?.pid;
}

/**
 * Stops the process group led by `pid` (a process the caller just found alive and ours): SIGTERM,
 * up to `graceMs` for the leader to exit (less if `signal` aborts), then SIGKILL to whatever is
 * left of the group. A leader that moved to another group is signalled alone.
 */
export async function terminateGroup(pid: number, graceMs: number, signal?: AbortSignal): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM') && !signalProcess(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && !signal?.aborted && (await isAlive(pid))) await sleep(50);
  signalGroup(pid, 'SIGKILL');
  // Only while it is alive: once it is gone, its pid may already name someone else's process.
  if (await isAlive(pid)) signalProcess(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (Date.now() < killDeadline && (await isAlive(pid))) await sleep(20);
}

function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Where the pid file of an instance lives. */
export function pidFilePath(workDirectory: string, instanceId: string): string {
  return path.join(workDirectory, `${safeFileName(instanceId)}.pid`);
}

/** An instance id as a file name (ids are usually safe already; this guards hand-written ones). */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
