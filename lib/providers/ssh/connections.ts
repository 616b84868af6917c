/**
 * The connections of a provider instance: one per host (per distinct connection spec), shared by
 * every operation of a run, opened on first use, reopened after a loss, with a limit on the
 * operations running on it at once, and a jump through a bastion host when the spec names one.
 * Connections close when the provider is closed, or after `idleTimeoutMs` without use; a
 * connection no operation is using does not keep the process alive (its socket and keepalive
 * timer are unref'd), so a CLI run ends as soon as its work is done.
 */
import type { ClientChannel } from 'ssh2';
import { SshConnection } from './connection';
import { ConnectionSpec, connectionKey } from './connection-spec';
import { ConnectionEvents, openConnection } from './handshake';

export { SshConnection } from './connection';
export type { ExecOptions, ExecResult } from './connection';
export type { ConnectionEvents } from './handshake';

/** Limits how many operations use one host at once. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  public async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  public release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

interface Entry {
  readonly key: string;
  readonly spec: ConnectionSpec;
  readonly limiter: Limiter;
  /** Operations waiting for or using the connection, plus connections tunnelled through it. */
  users: number;
  /** Operations running on it, or on a connection tunnelled through it: it keeps the process alive. */
  busy: number;
  connection?: SshConnection;
  connecting?: Promise<SshConnection>;
  /** The bastion's entry, for a connection through a bastion. */
  via?: Entry;
  idleTimer?: NodeJS.Timeout;
}

export interface PoolOptions {
  /** Close a connection nobody used for this long. @default 60000 */
  readonly idleTimeoutMs?: number;
  /** Relative key file and known_hosts paths are taken from here. @default process.cwd() */
  readonly baseDirectory?: string;
}

/** The connections of one provider instance (one run). */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleTimeoutMs: number;
  private closing = false;

  constructor(private readonly options: PoolOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  /**
   * Runs `work` with a connection to the host, once the host has a free slot (its `concurrency`).
   * Connecting again after the connection was lost is automatic.
   */
  public async use<T>(spec: ConnectionSpec, events: ConnectionEvents, work: (connection: SshConnection) => Promise<T>, baseDirectory?: string): Promise<T> {
    const entry = this.entry(spec);
    this.hold(entry);
    try {
      await entry.limiter.acquire();
      try {
        const connection = await this.connected(entry, events, baseDirectory);
        this.markBusy(entry, 1);
        try {
          return await work(connection);
        } finally {
          this.markBusy(entry, -1);
        }
      } finally {
        entry.limiter.release();
      }
    } finally {
      this.release(entry);
    }
  }

  /** Number of open connections (for tests and diagnostics). */
  public get openConnections(): number {
    return [...this.entries.values()].filter((entry) => entry.connection && !entry.connection.closed).length;
  }

  /** Closes every connection now. */
  public async closeAll(): Promise<void> {
    this.closing = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(entries.map((entry) => entry.connecting));
    for (const entry of entries) {
      clearTimeout(entry.idleTimer);
      entry.connection?.end();
    }
    this.closing = false;
  }

  /** Counts an operation in or out of a connection and the bastions it rides on. */
  private markBusy(entry: Entry, delta: number): void {
    for (let current: Entry | undefined = entry; current; current = current.via) {
      current.busy += delta;
      current.connection?.setActive(current.busy > 0);
    }
  }

  private entry(spec: ConnectionSpec): Entry {
    const key = connectionKey(spec);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, spec, limiter: new Limiter(spec.concurrency), users: 0, busy: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private hold(entry: Entry): void {
    entry.users++;
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }

  private release(entry: Entry): void {
    entry.users--;
    if (entry.users > 0 || this.closing) return;
    entry.idleTimer = setTimeout(() => {
      if (entry.users > 0) return;
      entry.connection?.end();
      entry.connection = undefined;
      if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    }, this.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  private async connected(entry: Entry, events: ConnectionEvents, baseDirectory?: string): Promise<SshConnection> {
    if (entry.connection && !entry.connection.closed) return entry.connection;
    if (!entry.connecting) {
      const connecting = this.connect(entry.spec, events, baseDirectory);
      entry.connecting = connecting;
      connecting.then(
        (connection) => {
          entry.connection = connection;
          entry.connecting = undefined;
          if (entry.spec.bastion) entry.via = this.entries.get(connectionKey(entry.spec.bastion));
          connection.setActive(entry.busy > 0);
        },
        () => {
          entry.connecting = undefined;
        },
      );
    }
    return entry.connecting;
  }

  private async connect(spec: ConnectionSpec, events: ConnectionEvents, baseDirectory?: string): Promise<SshConnection> {
    const base = baseDirectory ?? this.options.baseDirectory ?? process.cwd();
    if (!spec.bastion) return openConnection(spec, { events, baseDirectory: base });
    const bastionEntry = this.entry(spec.bastion);
    this.hold(bastionEntry);
    let stream: ClientChannel | undefined;
    try {
      const via = await this.connected(bastionEntry, events, baseDirectory);
      stream = await via.forwardOut(spec.address, spec.port);
      const connection = await openConnection(spec, { events, baseDirectory: base, stream });
      connection.onClose(() => this.release(bastionEntry));
      return connection;
    } catch (error) {
      stream?.destroy();
      this.release(bastionEntry);
      throw error;
    }
  }
}
