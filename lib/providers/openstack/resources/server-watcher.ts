/**
 * One poll for many waits: every server of a stack carries the tag `hybrid-stack:<stack>`, so
 * while servers build (or go away) one `GET /servers/detail?tags=...` per tick tells every waiter
 * at once, instead of one GET per server per tick. A server missing from the list is asked for
 * directly (it may be gone). Waiters leave on their own abort signal.
 */
import type { OpenStackClient } from '../client/client';
import { sleep } from '../../../engine/provider';

export interface WatchedServer {
  readonly id: string;
  readonly status: string;
  readonly [field: string]: any;
}

interface Waiter {
  readonly id: string;
  readonly done: (server: WatchedServer | undefined) => boolean;
  readonly onUpdate?: (server: WatchedServer | undefined) => void;
  readonly resolve: (server: WatchedServer | undefined) => void;
  readonly reject: (error: unknown) => void;
}

const TICK_MS = 1500;

export class ServerWatcher {
  private readonly waiters = new Set<Waiter>();
  private running = false;

  constructor(
    private readonly client: OpenStackClient,
    private readonly tag: string,
    private readonly getServer: (id: string) => Promise<WatchedServer | undefined>,
  ) {}

  /** Resolves with the server (or undefined once it is gone) as soon as `done` says so. */
  public watch(id: string, done: Waiter['done'], signal: AbortSignal, onUpdate?: Waiter['onUpdate']): Promise<WatchedServer | undefined> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
      const waiter: Waiter = {
        id, done, onUpdate,
        resolve: (server) => {
          signal.removeEventListener('abort', onAbort);
          resolve(server);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(signal.reason ?? new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.size > 0) {
        await sleep(TICK_MS);
        if (this.waiters.size === 0) break;
        let listed: Map<string, WatchedServer>;
        try {
          const servers = await this.client.list<WatchedServer>('compute', '/servers/detail', 'servers', { query: { tags: this.tag } });
          listed = new Map(servers.map((server) => [server.id, server]));
        } catch (error) {
          for (const waiter of this.waiters) waiter.reject(error);
          this.waiters.clear();
          break;
        }
        for (const waiter of [...this.waiters]) {
          try {
            const server = listed.get(waiter.id) ?? (await this.getServer(waiter.id));
            waiter.onUpdate?.(server);
            if (waiter.done(server)) {
              this.waiters.delete(waiter);
              waiter.resolve(server);
            }
          } catch (error) {
            this.waiters.delete(waiter);
            waiter.reject(error);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** One watcher per client and stack tag. */
const watchers = new WeakMap<OpenStackClient, Map<string, ServerWatcher>>();

export function watcherFor(client: OpenStackClient, tag: string, getServer: (id: string) => Promise<WatchedServer | undefined>): ServerWatcher {
  let byTag = watchers.get(client);
  if (!byTag) watchers.set(client, (byTag = new Map()));
  let watcher = byTag.get(tag);
  if (!watcher) byTag.set(tag, (watcher = new ServerWatcher(client, tag, getServer)));
  return watcher;
}
