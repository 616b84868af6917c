/**
 * Small process helpers shared by the SSH and Windows test hosts: run a command, find a free
 * port on a loopback address, wait for a TCP port, and kill a whole process tree (Linux /proc).
 */
import { spawn, execFile, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import * as crypto from 'node:crypto';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell) and collects its output; rejects only if it cannot be started. */
export function run(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(err);
          return;
        }
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : child.exitCode) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like run(), but throws with the output when the exit code is not 0. */
export async function runOk(file: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited with ${r.code ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** Throws a helpful error naming the install script when a required binary is missing. */
export function requireBinaries(paths: string[], installScript: string): void {
  const missing = paths.filter((p) => {
    if (p.includes('/')) return !fs.existsSync(p);
    return !(process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && fs.existsSync(`${d}/${p}`));
  });
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run \`bash ${installScript}\` as root from the repository root first`);
  }
}

/** A port that was free on `address` a moment ago (bind to :0, read it, close). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ host: address, port: 0, exclusive: true }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to address:port succeeds. */
export async function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pids of all descendants of `pid` (children first found by a /proc scan). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces and parentheses
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(rest[1]));
    } catch {
      // process ended while scanning
    }
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        result.push(child);
        queue.push(child);
      }
    }
  }
  return result;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie still answers kill 0; treat it as dead
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Kills `pid` and every process below it (sshd's per-connection children call setsid(), so a
 * process group kill would miss them). SIGTERM first, SIGKILL for whatever is left after graceMs.
 */
export async function killTree(pid: number, graceMs = 1000): Promise<void> {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && all.some(isAlive)) await new Promise((r) => setTimeout(r, 20));
  for (const p of [pid, ...descendants(pid), ...all]) {
    if (!isAlive(p)) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Waits for a spawned child to exit (resolves at once if it already has). */
export function waitExit(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** OpenSSH-style SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64');
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** known_hosts host pattern: bare address on port 22, [address]:port otherwise. */
export function knownHostsPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export { spawn };

/** Pids of processes whose environment holds NAME=VALUE exactly (read from /proc/<pid>/environ). */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const result: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`);
      if (env.indexOf(needle) === 0 || env.indexOf(Buffer.concat([Buffer.from('\0'), needle])) >= 0) result.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return result;
}

/*
 * Last-resort cleanup when the test process dies without calling stop() (a jest worker killed
 * on timeout, a crash): one watchdog shell per node process, in its own process group, reads
 * cleanup commands from a pipe and runs the ones still registered when the pipe reaches EOF,
 * i.e. when this process is gone. (process.on('exit') is no help: inside jest's sandbox it is
 * never called.)
 */
let watchdog: ChildProcess | undefined;
let cleanupSeq = 0;

function watchdogStdin(): NodeJS.WritableStream {
  if (!watchdog || watchdog.exitCode !== null) {
    watchdog = spawn('/bin/sh', [path.join(__dirname, 'watchdog.sh')], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    watchdog.stdin!.on('error', () => undefined);
  }
  return watchdog.stdin!;
}

/**
 * Registers a shell command (one line; `killtree PID` is available) that the watchdog runs if
 * this process dies first. Returns the function that unregisters it -- call it after a normal stop.
 */
export function registerCleanup(shellCommand: string): () => void {
  if (/[\r\n]/.test(shellCommand)) throw new Error('registerCleanup: one line only');
  const id = `c${process.pid}_${++cleanupSeq}`;
  const stdin = watchdogStdin();
  stdin.write(`add ${id} ${shellCommand}\n`);
  return () => {
    stdin.write(`del ${id}\n`);
  };
}

/** The watchdog kills `pid` and all its descendants if this process dies first. */
export function killOnExit(pid: number): () => void {
  return registerCleanup(`killtree ${pid}`);
}

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
