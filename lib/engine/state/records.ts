import { randomUUID } from 'crypto';
import { ErrorCode, HybridError } from '../../core/errors';
import { INSTANCE_STATUSES, JournalRecord, STATE_VERSION, StateSnapshot } from './types';

/** A new, empty state for a stack. */
export function emptyState(stack: string): StateSnapshot {
  return { version: STATE_VERSION, lineage: randomUUID(), serial: 0, stack, updatedAt: new Date(0).toISOString(), inputs: {}, nodes: {}, instances: {}, scaling: {}, outputs: {} };
}

/** Applies journal records to a snapshot, returning a new snapshot (the input is not changed). */
export function applyRecords(snapshot: StateSnapshot, records: Iterable<JournalRecord>): StateSnapshot {
  const instances: { [id: string]: any } = { ...snapshot.instances };
  const nodes: { [name: string]: any } = { ...snapshot.nodes };
  let { inputs, scaling, outputs, blueprintDigest } = snapshot;
  for (const record of records) {
    switch (record.kind) {
      case 'instance': instances[record.record.id] = record.record; break;
      case 'forget-instance': delete instances[record.id]; break;
      case 'node': nodes[record.name] = record.record; break;
      case 'forget-node': delete nodes[record.name]; break;
      case 'meta':
        if (record.inputs !== undefined) inputs = record.inputs;
        if (record.scaling !== undefined) scaling = record.scaling;
        if (record.outputs !== undefined) outputs = record.outputs;
        if (record.blueprintDigest !== undefined) blueprintDigest = record.blueprintDigest;
        break;
      default: throw new HybridError(ErrorCode.StateCorrupt, `unknown journal record kind ${JSON.stringify((record as any).kind)}`);
    }
  }
  return { ...snapshot, instances, nodes, inputs, scaling, outputs, blueprintDigest };
}

/**
 * Checks that a state is internally consistent; returns the problems found. Stores run it before
 * every snapshot write and after every load, so a bad state is never written over a good one.
 */
export function integrityProblems(state: StateSnapshot): string[] {
  const problems: string[] = [];
  if (state.version !== STATE_VERSION) problems.push(`version is ${state.version}, this hybrid reads ${STATE_VERSION}`);
  if (typeof state.lineage !== 'string' || state.lineage.length < 8) problems.push('lineage is missing');
  if (!Number.isInteger(state.serial) || state.serial < 0) problems.push(`serial ${state.serial} is not a whole number`);
  for (const [id, instance] of Object.entries(state.instances ?? {})) {
    if (instance.id !== id) problems.push(`instance ${id} is recorded under the id ${instance.id}`);
    if (!INSTANCE_STATUSES.includes(instance.status)) problems.push(`instance ${id} has the unknown status ${JSON.stringify(instance.status)}`);
    if (!state.nodes[instance.node]) problems.push(`instance ${id} belongs to node ${instance.node}, which state does not record`);
    if (instance.host !== undefined && !state.instances[instance.host]) problems.push(`instance ${id} is contained in ${instance.host}, which state does not record`);
    for (const relationship of instance.relationships ?? []) {
      if (!state.instances[relationship.target]) problems.push(`instance ${id} has a relationship to ${relationship.target}, which state does not record`);
    }
  }
  return problems;
}

/** Throws StateCorrupt when a state fails the integrity check. */
export function assertIntegrity(state: StateSnapshot, where: string): void {
  const problems = integrityProblems(state);
  if (problems.length > 0) {
    throw new HybridError(ErrorCode.StateCorrupt, `state at ${where} failed the integrity check: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  }
}
