import * as fs from 'fs';
import { OperationContext, OperationHandler, Provider, ReadHandler, ReadResult, RecoverableError } from '../../../lib/engine/provider';
import type { TypesDocument } from '../../../lib/core/types/schema';

/**
 * A provider double that follows the provider contract: resources live in a "world" file (so side
 * effects survive a SIGKILL of the engine and are observable from outside), creates are
 * idempotent by identity, read reports existence, and every call is appended to a call log.
 * See SPEC.md beside this file.
 */
export interface RecordingOptions {
  /** Where resources live (one JSON object per line: {op, identity, ...}). */
  readonly worldFile: string;
  /** Milliseconds each operation takes. @default 0 */
  readonly latencyMs?: number;
  /** Instance ids whose create fails (non-recoverable). */
  readonly failCreate?: ReadonlySet<string>;
  /** Instance ids whose create fails recoverably this many times first. */
  readonly flakyCreate?: Map<string, number>;
  /** Instance ids whose create succeeds but then reports a timeout (sleeps past it). */
  readonly slowCreate?: ReadonlySet<string>;
  /** Keep the world in memory only (benchmarks). */
  readonly inMemory?: boolean;
  /**
   * Kill this process with SIGKILL right after the k-th provider call (1-based) has had its
   * effect on the world and before it returns to the engine (the crash harness).
   */
  readonly killAfterCall?: number;
}

export const RECORDING_TYPES: TypesDocument = {
  node_types: {
    'test.nodes.Resource': {
      derived_from: 'cloudify.nodes.Root',
      properties: { value: { default: '' }, size: { default: 1 }, fixed: { default: '' } },
      interfaces: {
        'cloudify.interfaces.lifecycle': {
          create: 'hybrid.test.create', configure: 'hybrid.test.configure', start: 'hybrid.test.start', update: 'hybrid.test.update',
          stop: 'hybrid.test.stop', delete: 'hybrid.test.delete', check_drift: 'hybrid.test.read',
        },
      },
    },
  },
  relationships: {
    'test.relationships.uses': {
      derived_from: 'cloudify.relationships.connected_to',
      source_interfaces: { 'cloudify.interfaces.relationship_lifecycle': { establish: 'hybrid.test.link', unlink: 'hybrid.test.unlink' } },
    },
    /** Every relationship operation on both sides, each noted as `<operation>(<side>)>target:source`. */
    'test.relationships.watches': {
      derived_from: 'cloudify.relationships.connected_to',
      source_interfaces: {
        'cloudify.interfaces.relationship_lifecycle': {
          preconfigure: 'hybrid.test.relate', postconfigure: 'hybrid.test.relate', establish: 'hybrid.test.relate', unlink: 'hybrid.test.relate',
        },
      },
      target_interfaces: {
        'cloudify.interfaces.relationship_lifecycle': {
          preconfigure: 'hybrid.test.relate', postconfigure: 'hybrid.test.relate', establish: 'hybrid.test.relate', unlink: 'hybrid.test.relate',
        },
      },
    },
  },
};

export interface WorldEntry {
  readonly identity: string;
  readonly value: any;
}

export class RecordingWorld {
  private memory = new Map<string, WorldEntry>();
  /** `<operation>:<instance id>` for every call, in the order calls started. */
  public readonly calls: string[] = [];
  /** Provider calls that finished (the kill counter). */
  public finishedCalls = 0;

  constructor(private readonly options: RecordingOptions) {}

  public resources(): Map<string, WorldEntry> {
    if (this.options.inMemory) return new Map(this.memory);
    const result = new Map<string, WorldEntry>();
    for (const entry of this.entries()) {
      if (entry.op === 'create') result.set(entry.identity, { identity: entry.identity, value: entry.value });
      if (entry.op === 'update') result.set(entry.identity, { identity: entry.identity, value: entry.value });
      if (entry.op === 'delete') result.delete(entry.identity);
    }
    return result;
  }

  /** How many times a create was asked for a resource that already existed (must stay 0). */
  public duplicateCreates(): number {
    return this.entries().filter((entry) => entry.op === 'create-attempt-on-existing').length;
  }

  /** The world's log, oldest first. */
  public entries(): Array<{ op: string; identity: string; value?: any; host?: any }> {
    if (this.options.inMemory || !fs.existsSync(this.options.worldFile)) return [];
    return fs.readFileSync(this.options.worldFile, 'utf8').split('\n').filter((line) => line).map((line) => JSON.parse(line));
  }

  public has(identity: string): boolean {
    return this.options.inMemory ? this.memory.has(identity) : this.resources().has(identity);
  }

  public write(entry: { op: string; identity: string; value?: any; host?: any }): void {
    if (this.options.inMemory) {
      if (entry.op === 'create' || entry.op === 'update') this.memory.set(entry.identity, { identity: entry.identity, value: entry.value });
      if (entry.op === 'delete') this.memory.delete(entry.identity);
      return;
    }
    // Appended without fsync: a written line survives the death of the process (the crash
    // harness's fault), which is all the world must outlive.
    fs.appendFileSync(this.options.worldFile, JSON.stringify(entry) + '\n');
  }
}

export function recordingProvider(world: RecordingWorld, options: RecordingOptions): Provider {
  const wait = async (context: OperationContext) => {
    const latency = options.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (context.signal.aborted) throw new Error('aborted');
  };
  const note = (context: OperationContext, name: string) => world.calls.push(`${name}:${context.instance.id}`);
  const operations: { [implementation: string]: OperationHandler | ReadHandler } = {
    'hybrid.test.create': async (context) => {
      note(context, 'create');
      const failures = options.flakyCreate?.get(context.instance.id);
      if (failures !== undefined && failures > 0) {
        options.flakyCreate!.set(context.instance.id, failures - 1);
        throw new RecoverableError(`transient failure of ${context.instance.id}`);
      }
      if (options.failCreate?.has(context.instance.id)) throw new Error(`create of ${context.instance.id} refused`);
      await wait(context);
      if (world.has(context.identity)) {
        world.write({ op: 'create-attempt-on-existing', identity: context.identity });
      } else {
        world.write({ op: 'create', identity: context.identity, value: context.instance.properties.value });
      }
      if (options.slowCreate?.has(context.instance.id)) await new Promise((resolve) => setTimeout(resolve, context.operation.timeoutMs + 200));
      return { runtimeProperties: { identity: context.identity, value: context.instance.properties.value } };
    },
    'hybrid.test.configure': async (context) => { note(context, 'configure'); await wait(context); },
    'hybrid.test.start': async (context) => { note(context, 'start'); await wait(context); },
    'hybrid.test.stop': async (context) => { note(context, 'stop'); await wait(context); },
    'hybrid.test.update': async (context) => {
      note(context, 'update');
      await wait(context);
      world.write({ op: 'update', identity: context.identity, value: context.instance.properties.value });
      return { runtimeProperties: { value: context.instance.properties.value } };
    },
    'hybrid.test.delete': async (context) => {
      note(context, 'delete');
      await wait(context);
      // The host's `value` as the delete saw it, for tests of what an uninstall resolves.
      const host = context.instance.host ? { host: context.instance.host.properties.value } : {};
      if (world.has(context.identity)) world.write({ op: 'delete', identity: context.identity, value: context.instance.properties.value, ...host });
    },
    'hybrid.test.read': async (context): Promise<ReadResult> => {
      note(context, 'read');
      const found = world.resources().get(context.identity);
      if (!found) return { exists: false };
      const drift = found.value !== context.instance.properties.value ? [`value is ${JSON.stringify(found.value)} instead of ${JSON.stringify(context.instance.properties.value)}`] : [];
      return { exists: true, drift, runtimeProperties: { identity: context.identity, value: found.value } };
    },
    'hybrid.test.link': async (context) => {
      note(context, `link>${context.relationship!.target.id}`);
      await wait(context);
      return { runtimeProperties: { [`linked_${context.relationship!.target.id}`]: context.relationship!.target.runtimeProperties.identity } };
    },
    'hybrid.test.unlink': async (context) => { note(context, `unlink>${context.relationship!.target.id}`); await wait(context); },
    'hybrid.test.relate': async (context) => {
      const relationship = context.relationship!;
      const operation = context.operation.name.slice(context.operation.name.lastIndexOf('.') + 1);
      world.calls.push(`${operation}(${relationship.side}):${relationship.source.id}>${relationship.target.id}`);
      await wait(context);
    },
  };
  return { name: 'test', replaceOn: { 'test.nodes.Resource': ['fixed'] }, operations: countingCalls(operations, world, options.killAfterCall) };
}

/** Wraps every handler to count finished calls and, for the crash harness, die after the k-th. */
function countingCalls(
  operations: { [implementation: string]: OperationHandler | ReadHandler },
  world: RecordingWorld,
  killAfterCall: number | undefined,
): { [implementation: string]: OperationHandler | ReadHandler } {
  const wrapped: { [implementation: string]: OperationHandler | ReadHandler } = {};
  for (const [implementation, handler] of Object.entries(operations)) {
    wrapped[implementation] = (async (context: OperationContext) => {
      const result = await handler(context);
      world.finishedCalls++;
      if (killAfterCall !== undefined && world.finishedCalls === killAfterCall) process.kill(process.pid, 'SIGKILL');
      return result;
    }) as OperationHandler;
  }
  return wrapped;
}
