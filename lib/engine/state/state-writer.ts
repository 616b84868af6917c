import { applyRecords } from './records';
import { InstanceRecord, JournalRecord, NodeRecord, StateSnapshot, StateStore } from './types';

/**
 * The engine's view of state during a run: changes apply in memory at once and reach the journal
 * in batches. Concurrent operations that each need their intent on disk before a provider call
 * share one write and one fsync (group commit), so the cost per step stays flat as deployments grow.
 */
export class StateWriter {
  private instances: { [id: string]: InstanceRecord };
  private nodes: { [name: string]: NodeRecord };
  private base: StateSnapshot;
  private queue: Array<JournalRecord | undefined> = [];
  /** Where in the queue the latest record of each instance sits. */
  private queuedInstance = new Map<string, number>();
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private changed = false;

  constructor(private readonly store: StateStore, snapshot: StateSnapshot) {
    this.base = snapshot;
    this.instances = { ...snapshot.instances };
    this.nodes = { ...snapshot.nodes };
  }

  public get serial(): number {
    return this.base.serial;
  }

  public get lineage(): string {
    return this.base.lineage;
  }

  /** True once anything was recorded in this run. */
  public get hasChanges(): boolean {
    return this.changed;
  }

  public instance(id: string): InstanceRecord | undefined {
    return this.instances[id];
  }

  public node(name: string): NodeRecord | undefined {
    return this.nodes[name];
  }

  /** The current state as a snapshot (shares records; do not mutate). */
  public snapshot(): StateSnapshot {
    return { ...this.base, instances: this.instances, nodes: this.nodes };
  }

  /** Records a change; `durable` waits until it is on disk (use before a provider call). */
  public async record(record: JournalRecord, durable: boolean): Promise<void> {
    this.changed = true;
    switch (record.kind) {
      case 'instance': this.instances[record.record.id] = record.record; break;
      case 'forget-instance': delete this.instances[record.id]; break;
      case 'node': this.nodes[record.name] = record.record; break;
      case 'forget-node': delete this.nodes[record.name]; break;
      case 'meta': this.base = applyRecords({ ...this.base, instances: {}, nodes: {} }, [record]); break;
    }
    // An instance record waiting in the queue is superseded by a newer one for the same instance:
    // the batch is written as a whole, so dropping the older changes nothing a crash could expose.
    if (record.kind === 'instance') {
      const waiting = this.queuedInstance.get(record.record.id);
      if (waiting !== undefined) this.queue[waiting] = undefined;
      this.queuedInstance.set(record.record.id, this.queue.length);
    } else if (record.kind === 'forget-instance') {
      this.queuedInstance.delete(record.id);
    }
    this.queue.push(record);
    if (!durable) return;
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    // Let every operation that is ready in this turn of the event loop join the batch.
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    const records = this.queue.filter((record): record is JournalRecord => record !== undefined);
    const waiters = this.waiters;
    this.queue = [];
    this.queuedInstance = new Map();
    this.waiters = [];
    try {
      await this.store.append(this.base.serial, records);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.flushing = undefined;
      if (this.waiters.length > 0) this.scheduleFlush();
    }
  }

  /** Writes everything queued. */
  public async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length > 0) await this.flushNow();
  }

  /** Writes a new snapshot (serial + 1) holding everything recorded, and starts a fresh journal. */
  public async compact(): Promise<StateSnapshot> {
    await this.flush();
    const next: StateSnapshot = { ...this.snapshot(), serial: this.base.serial + 1, updatedAt: new Date().toISOString() };
    await this.store.writeSnapshot(next);
    this.base = next;
    this.instances = { ...next.instances };
    this.nodes = { ...next.nodes };
    return next;
  }
}
