/**
 * The state of one stack: what exists, as the engine last recorded it. docs/state-format.md
 * describes the on-disk form; STATE_VERSION changes with any incompatible change.
 */
import type { ModelNode } from '../model';

export const STATE_VERSION = 1;

/** Cloudify's node instance states (cloudify-dsl.md §4). */
export type InstanceStatus =
  | 'uninitialized' | 'creating' | 'created' | 'configuring' | 'configured' | 'starting' | 'started'
  | 'stopping' | 'stopped' | 'deleting';

export const INSTANCE_STATUSES: ReadonlyArray<InstanceStatus> = [
  'uninitialized', 'creating', 'created', 'configuring', 'configured', 'starting', 'started', 'stopping', 'stopped', 'deleting',
];

export interface RelationshipRecord {
  readonly type: string;
  /** Target instance id. */
  readonly target: string;
}

export interface InstanceRecord {
  readonly id: string;
  readonly node: string;
  readonly type: string;
  /** Position among the instances of its node (ids are `<node>_<index>`). */
  readonly index: number;
  /** The instance this one is contained in. */
  readonly host?: string;
  /** The scaling-group unit this instance belongs to (`<group>_<n>`). */
  readonly unit?: string;
  readonly status: InstanceStatus;
  /** Properties as last applied; secret parts replaced by `{ $secret: <hmac> }`. */
  readonly properties: { readonly [name: string]: any };
  /** Runtime properties; secret ones as `{ $encrypted: ... }`. */
  readonly runtimeProperties: { readonly [name: string]: any };
  readonly relationships: ReadonlyArray<RelationshipRecord>;
  /** An operation started but not known to have finished: resolved on the next run. */
  readonly pending?: { readonly operation: string; readonly since: string };
  /** The last failure, masked. */
  readonly error?: string;
}

/**
 * A node as last applied (the resolved model node: type ancestry, raw properties, operations,
 * relationships), so the engine can uninstall it even after it left the blueprint.
 */
export type NodeRecord = ModelNode;

export interface ScalingRecord {
  /** Units (or instances) requested by `hybrid scale`. */
  readonly count: number;
  /** The blueprint's default when the scale was requested: a new default overrides the scale. */
  readonly blueprintDefault: number;
}

export interface StateSnapshot {
  readonly version: number;
  /** Random id fixed when the state is first created; a state from another lineage is refused. */
  readonly lineage: string;
  /** Increments with every snapshot written. */
  readonly serial: number;
  readonly stack: string;
  readonly updatedAt: string;
  readonly blueprintDigest?: string;
  readonly inputs: { readonly [name: string]: any };
  readonly nodes: { readonly [name: string]: NodeRecord };
  readonly instances: { readonly [id: string]: InstanceRecord };
  readonly scaling: { readonly [name: string]: ScalingRecord };
  /** Last evaluated outputs (masked where secret). */
  readonly outputs: { readonly [name: string]: any };
}

/** One journal entry: a change to state made durable before (intent) or after (result) a provider call. */
export type JournalRecord =
  | { readonly kind: 'instance'; readonly record: InstanceRecord }
  | { readonly kind: 'forget-instance'; readonly id: string }
  | { readonly kind: 'node'; readonly name: string; readonly record: NodeRecord }
  | { readonly kind: 'forget-node'; readonly name: string }
  | { readonly kind: 'meta'; readonly inputs?: any; readonly scaling?: any; readonly outputs?: any; readonly blueprintDigest?: string };

export interface LockInfo {
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  readonly operation: string;
  readonly time: string;
}

/** Where state lives. The file store is the embedded default; remote stores implement the same. */
export interface StateStore {
  /** Human-readable location (a path, a URL). */
  readonly location: string;
  /** Takes the stack's lock or throws StateLocked naming the holder; a dead holder's lock is taken over. */
  lock(info: LockInfo): Promise<{ release(): Promise<void>; tookOverFrom?: LockInfo }>;
  /** The current lock holder, if any. */
  readLock(): Promise<LockInfo | undefined>;
  /** Removes the lock whoever holds it (`hybrid state unlock`). */
  forceUnlock(): Promise<void>;
  /** The latest state (snapshot plus journal), or undefined when none exists. Throws StateCorrupt. */
  load(): Promise<StateSnapshot | undefined>;
  /** Appends records durably (after the call returns they survive a crash). */
  append(serial: number, records: ReadonlyArray<JournalRecord>): Promise<void>;
  /** Writes a full snapshot (serial must be higher than the stored one) and clears the journal. */
  writeSnapshot(snapshot: StateSnapshot): Promise<void>;
  /** Bytes written so far by this store object (benchmarks report bytes per step). */
  readonly bytesWritten: number;
}
