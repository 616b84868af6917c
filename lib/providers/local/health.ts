/**
 * Health checks of a local process: a TCP port on 127.0.0.1 that accepts connections, a shell
 * command that exits 0, or (with neither) the process staying alive for a moment.
 */
import * as net from 'node:net';
import { NonRecoverableError, OperationContext } from '../../engine/provider';
import { runShell } from './shell';

/** The `health` property: at most one of `port` and `command`. */
export interface HealthSpec {
  readonly port?: number;
  readonly command?: string;
}

/** With no port or command, a process counts as healthy once it has been alive this long. */
export const ALIVE_AFTER_MS = 200;
/** A single health command run is killed after this long. */
const COMMAND_PROBE_TIMEOUT_MS = 10_000;

export function healthSpec(value: unknown): HealthSpec {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new NonRecoverableError(`property 'health' must be a dict ({ port: N } or { command: "..." }), got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const { port, command, ...rest } = value as { [key: string]: unknown };
  if (Object.keys(rest).length > 0) {
    throw new NonRecoverableError(`property 'health' may hold only 'port' or 'command', got ${Object.keys(rest).join(', ')}`);
  }
  if (port !== undefined && command !== undefined) throw new NonRecoverableError("property 'health' may hold 'port' or 'command', not both");
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    throw new NonRecoverableError(`health port must be a TCP port number from 1 to 65535, got ${JSON.stringify(port)}`);
  }
  if (command !== undefined && (typeof command !== 'string' || command.trim() === '')) {
    throw new NonRecoverableError(`health command must be a non-empty shell command, got ${JSON.stringify(command)}`);
  }
  return { port: port as number | undefined, command: command as string | undefined };
}

export function describeHealth(health: HealthSpec): string {
  if (health.port !== undefined) return `TCP port ${health.port} on 127.0.0.1 accepting connections`;
  if (health.command !== undefined) return 'the health command exiting 0';
  return `the process staying alive for ${ALIVE_AFTER_MS} ms`;
}

/** One health probe; `aliveForMs` is how long the process has been seen running. */
export async function probe(
  health: HealthSpec,
  context: OperationContext,
  options: { cwd: string; env: NodeJS.ProcessEnv; remainingMs: number; aliveForMs: number },
): Promise<boolean> {
  if (health.port !== undefined) return acceptsConnections(health.port, Math.min(1_000, Math.max(options.remainingMs, 100)));
  if (health.command !== undefined) {
    const result = await runShell(health.command, {
      cwd: options.cwd,
      env: options.env,
      signal: context.signal,
      timeoutMs: Math.min(COMMAND_PROBE_TIMEOUT_MS, Math.max(options.remainingMs, 100)),
      onLine: (_stream, line) => context.log('debug', `health: ${line}`),
    });
    return result.exitCode === 0;
  }
  return options.aliveForMs >= ALIVE_AFTER_MS;
}

/** True when a TCP connection to 127.0.0.1:port succeeds within `timeoutMs`. */
export function acceptsConnections(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
