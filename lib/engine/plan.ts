import { createHash } from 'crypto';
import type { Redactor } from './events';
import { UNKNOWN, containsUnknown, evaluate } from './functions';
import { DesiredInstance, expandInstances } from './instances';
import type { DeploymentModel } from './model';
import { Plan, PlanStep, PropertyChange, StepAction } from './plan-types';
import type { ProviderRegistry, ReadResult } from './provider';
import { Resolver, SecretSource, resolveInputs } from './resolve';
import { SecretBox, isFingerprint } from './secret-box';
import type { InstanceRecord, InstanceStatus, StateSnapshot } from './state/types';

export interface PlanOptions {
  readonly inputs: { [name: string]: any };
  readonly secrets: SecretSource;
  readonly redactor: Redactor;
  readonly box: SecretBox;
  readonly registry: ProviderRegistry;
  /** Instances to replace whatever their properties (heal). */
  readonly forceReplace?: ReadonlySet<string>;
  /** What a refresh read found, by instance id. */
  readonly observed?: ReadonlyMap<string, ReadResult>;
  /** Plan the removal of everything (destroy). */
  readonly destroy?: boolean;
}

/** Everything apply needs beyond the plan's steps: resolved inputs, instances, the resolver. */
export interface PlanContext {
  readonly model: DeploymentModel;
  readonly inputs: { [name: string]: any };
  readonly desired: ReadonlyMap<string, DesiredInstance>;
  readonly state: StateSnapshot;
}

const UNKNOWN_TEXT = '(known after apply)';
const SECRET_TEXT = '(secret)';
/** Statuses of an instance whose uninstall began: a deploy must finish tearing it down before installing it again. */
const TEARING_DOWN: ReadonlyArray<InstanceStatus> = ['stopping', 'stopped', 'deleting'];

/** Replaces secret values (anything containing a registered secret) by fingerprints. */
export function maskSecrets(value: any, redactor: Redactor, box: SecretBox): any {
  if (redactor.size === 0 || value === null || value === UNKNOWN) return value;
  if (typeof value === 'string') return redactor.text(value) === value ? value : box.fingerprint(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, redactor, box));
  if (typeof value === 'object') {
    const result: any = {};
    for (const key of Object.keys(value)) result[key] = maskSecrets(value[key], redactor, box);
    return result;
  }
  return value;
}

/** The display form of a property value: secrets and unknowns named, long values shortened. */
export function displayValue(value: any): string {
  if (value === UNKNOWN) return UNKNOWN_TEXT;
  if (isFingerprint(value)) return SECRET_TEXT;
  // Scalars cannot hold unknowns or secrets: no replacer needed (it is the slow part on large plans).
  const text = value === null || typeof value !== 'object'
    ? JSON.stringify(value)
    : JSON.stringify(value, (_key, item) => (item === UNKNOWN ? UNKNOWN_TEXT : isFingerprint(item) ? SECRET_TEXT : item));
  if (text === undefined) return 'null';
  return text.length > 160 ? `${text.slice(0, 150)}… (${text.length} chars)` : text;
}

function sameValue(a: any, b: any): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when two lists of relationship instances differ (order aside). */
function relationshipsDiffer(recorded: ReadonlyArray<{ type: string; target: string }>, desired: ReadonlyArray<{ type: string; target: string }>): boolean {
  if (recorded.length !== desired.length) return true;
  if (recorded.every((relationship, index) => relationship.type === desired[index].type && relationship.target === desired[index].target)) return false;
  const key = (relationship: { type: string; target: string }) => `${relationship.type}>${relationship.target}`;
  return !sameValue(recorded.map(key).sort(), desired.map(key).sort());
}

/**
 * Plans a deployment: expands instances, evaluates their properties, compares them with state and
 * decides per instance create / update / replace / delete / same, with property-level reasons.
 * Pure: it reads state and calls no provider.
 */
export function plan(model: DeploymentModel, stateOrUndefined: StateSnapshot | undefined, options: PlanOptions): { plan: Plan; context: PlanContext } {
  const state = stateOrUndefined ?? { version: 1, lineage: '', serial: 0, stack: model.stack, updatedAt: '', inputs: {}, nodes: {}, instances: {}, scaling: {}, outputs: {} };
  const inputs = resolveInputs(model, options.inputs, options.secrets, options.redactor);
  const desired = options.destroy ? new Map<string, DesiredInstance>() : expandInstances(model, state);
  const records = state.instances;

  // Decide in dependency order so that an instance knows whether what it reads is being replaced.
  const replaced = new Set<string>();
  const actions = new Map<string, { action: StepAction; reason: string; changes: PropertyChange[]; fromStatus?: string }>();
  const runtimeOf = (id: string) => (replaced.has(id) || !records[id] || (actions.get(id)?.action === 'create') ? undefined : records[id].runtimeProperties);
  const resolver = new Resolver(model, inputs, options.secrets, options.redactor, options.box, runtimeOf, desired, (id) => records[id]);
  const newPropertyChanges = new WeakMap<object, PropertyChange[]>();

  for (const instance of dependencyOrder(desired)) {
    const record = records[instance.id];
    const node = model.nodes.get(instance.node)!;
    const properties = maskSecrets(resolver.instanceProperties(instance), options.redactor, options.box);
    const observed = options.observed?.get(instance.id);
    const decide = (): { action: StepAction; reason: string; changes: PropertyChange[]; fromStatus?: string } => {
      const allChanges = (): PropertyChange[] => {
        // Instances of a node whose properties do not vary by instance share one evaluated object, so one list.
        let changes = newPropertyChanges.get(properties);
        if (!changes) {
          changes = Object.keys(properties).sort().map((property) => ({ property, after: displayValue(properties[property]) }));
          if (typeof properties === 'object' && properties !== null) newPropertyChanges.set(properties, changes);
        }
        return changes;
      };
      if (!record) return { action: 'create', reason: 'new instance', changes: allChanges() };
      if (options.forceReplace?.has(instance.id)) return { action: 'replace', reason: 'replacement requested', changes: [] };
      if (record.type !== node.type) return { action: 'replace', reason: `type changed from ${record.type} to ${node.type}`, changes: [] };
      if (record.host !== instance.host) return { action: 'replace', reason: `moved from host ${record.host ?? '(none)'} to ${instance.host ?? '(none)'}`, changes: [] };
      if (instance.host && replaced.has(instance.host)) return { action: 'replace', reason: `its host ${instance.host} is replaced`, changes: [] };
      if (TEARING_DOWN.includes(record.status)) {
        // An uninstall (a destroy, or the delete half of a replace) was cut short: finish it, then install afresh.
        return { action: 'replace', reason: `resume: the last run stopped while it was ${record.status}`, changes: [], fromStatus: record.status };
      }
      if (record.status !== 'started') return { action: 'create', reason: `resume: the last run stopped while it was ${record.status}`, changes: [], fromStatus: record.status };
      if (observed && !observed.exists) return { action: 'create', reason: 'it no longer exists (deleted outside hybrid)', changes: allChanges(), fromStatus: 'uninitialized' };

      const changes: PropertyChange[] = [];
      for (const property of new Set([...Object.keys(properties), ...Object.keys(record.properties)])) {
        const after = properties[property];
        const before = record.properties[property];
        if (after !== UNKNOWN && !containsUnknown(after) && sameValue(after, before)) continue;
        changes.push(...propertyChanges(property, before, after));
      }
      changes.sort((a, b) => (a.property < b.property ? -1 : 1));
      // A relationship whose target is replaced must run its operations again with the new target.
      const replacedTargets = instance.relationships.filter((relationship) => replaced.has(relationship.target)).map((relationship) => relationship.target);
      const relationshipsChanged = relationshipsDiffer(record.relationships, instance.relationships) || replacedTargets.length > 0;
      const drift = observed?.drift ?? [];
      if (changes.length === 0 && !relationshipsChanged && drift.length === 0) return { action: 'same', reason: 'unchanged', changes: [] };

      const replaceOn = options.registry.replaceOn(node.typeHierarchy) ?? [];
      const canUpdate = node.operations.update !== undefined;
      const marked = changes.map((change) => ({ ...change, forcesReplacement: !canUpdate || replaceOn.includes(change.property) }));
      const reasons = [
        ...(changes.length ? [`properties changed: ${changes.map((c) => c.property).join(', ')}`] : []),
        ...(relationshipsChanged ? [replacedTargets.length ? `relationship targets replaced: ${replacedTargets.join(', ')}` : 'relationships changed'] : []),
        ...(drift.length ? [`drift: ${drift.join('; ')}`] : []),
      ];
      const mustReplace = marked.some((change) => change.forcesReplacement) || (drift.length > 0 && !canUpdate);
      return { action: mustReplace ? 'replace' : 'update', reason: reasons.join('; '), changes: marked };
    };
    const decision = decide();
    actions.set(instance.id, decision);
    if (decision.action === 'replace') replaced.add(instance.id);
  }

  for (const record of Object.values(records)) {
    if (desired.has(record.id)) continue;
    const reason = options.destroy ? 'destroy' : model.nodes.has(record.node) ? 'scaled in' : 'removed from blueprint';
    actions.set(record.id, { action: 'delete', reason, changes: [] });
  }

  const steps: PlanStep[] = [];
  const dependents = dependentsIndex(records);
  const pending = (id: string) => {
    const action = actions.get(id)?.action;
    return action !== undefined && action !== 'same';
  };
  for (const [id, decision] of actions) {
    const instance = desired.get(id);
    const record = records[id];
    const nodeName = instance?.node ?? record.node;
    const node = model.nodes.get(nodeName);
    const dependsOn = new Set<string>();
    if (decision.action === 'delete') {
      // Whatever depends on this instance and goes away too must go first; survivors unlink first.
      for (const dependent of dependents.get(id) ?? []) {
        const action = actions.get(dependent)?.action;
        if (action === 'delete' || action === 'replace' || action === 'update') dependsOn.add(dependent);
      }
    } else {
      if (instance!.host && pending(instance!.host)) dependsOn.add(instance!.host);
      for (const relationship of instance!.relationships) if (pending(relationship.target)) dependsOn.add(relationship.target);
    }
    const step: { -readonly [key in keyof PlanStep]: PlanStep[key] } = {
      action: decision.action,
      instance: id,
      node: nodeName,
      type: node?.type ?? record.type,
      reason: decision.reason,
      changes: decision.changes,
      dependsOn: [...dependsOn].sort(),
    };
    if (node?.constructPath) step.constructPath = node.constructPath;
    if (decision.fromStatus) step.fromStatus = decision.fromStatus;
    steps.push(step);
  }
  steps.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));

  const summary = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
  for (const step of steps) if (step.action in summary) summary[step.action as keyof typeof summary]++;

  const outputs: { [name: string]: string } = {};
  for (const [name, output] of Object.entries(model.blueprint.outputs ?? {})) {
    try {
      outputs[name] = displayValue(maskSecrets(evaluate(output.value, resolver.context(`outputs.${name}`)), options.redactor, options.box));
    } catch {
      outputs[name] = UNKNOWN_TEXT;
    }
  }

  const digest = createHash('sha256').update(model.digest).update(JSON.stringify(maskSecrets(inputs, options.redactor, options.box))).digest('hex');
  return {
    plan: {
      version: 1,
      stack: model.stack,
      workflow: options.destroy ? 'uninstall' : 'install',
      ...(stateOrUndefined ? { lineage: stateOrUndefined.lineage } : {}),
      serial: stateOrUndefined?.serial ?? 0,
      blueprintDigest: digest,
      steps,
      summary,
      outputs,
    },
    context: { model, inputs, desired, state },
  };
}

const MAX_NESTED_CHANGES = 30;

function isPlainObject(value: any): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && value !== UNKNOWN && !isFingerprint(value);
}

/**
 * The changes of one property: for structured values (a Kubernetes definition, say) one line per
 * leaf that differs (`definition.spec.replicas: 1 → 2`), or the whole value when too much changed.
 */
function propertyChanges(property: string, before: any, after: any): PropertyChange[] {
  const whole: PropertyChange = { property, before: before === undefined ? undefined : displayValue(before), after: after === undefined ? undefined : displayValue(after) };
  const bothStructured = (isPlainObject(before) && isPlainObject(after)) || (Array.isArray(before) && Array.isArray(after) && before.length === after.length);
  if (!bothStructured) return [whole];
  const leaves: PropertyChange[] = [];
  const walk = (path: string, a: any, b: any): boolean => {
    if (b !== UNKNOWN && !containsUnknown(b) && sameValue(a, b)) return true;
    const structured = (isPlainObject(a) && isPlainObject(b)) || (Array.isArray(a) && Array.isArray(b) && a.length === b.length);
    if (structured) {
      const keys = Array.isArray(a) ? a.map((_: any, index: number) => String(index)) : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) {
        const next = Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`;
        if (!walk(next, a[key as any], b[key as any])) return false;
      }
      return true;
    }
    leaves.push({ property, path, before: a === undefined ? undefined : displayValue(a), after: b === undefined ? undefined : displayValue(b) });
    return leaves.length <= MAX_NESTED_CHANGES;
  };
  return walk(property, before, after) && leaves.length > 0 ? leaves : [whole];
}

/** Instances ordered so that hosts and relationship targets come before their dependents. */
function dependencyOrder(desired: ReadonlyMap<string, DesiredInstance>): DesiredInstance[] {
  const ordered: DesiredInstance[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (instance: DesiredInstance) => {
    const mark = state.get(instance.id);
    if (mark === 'done') return;
    if (mark === 'visiting') return; // cycles are reported by the executor's graph check
    state.set(instance.id, 'visiting');
    if (instance.host && desired.has(instance.host)) visit(desired.get(instance.host)!);
    for (const relationship of instance.relationships) if (desired.has(relationship.target)) visit(desired.get(relationship.target)!);
    state.set(instance.id, 'done');
    ordered.push(instance);
  };
  for (const instance of desired.values()) visit(instance);
  return ordered;
}

/** For each recorded instance, the recorded instances contained in it or related to it. */
export function dependentsIndex(records: { readonly [id: string]: InstanceRecord }): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  const add = (target: string, dependent: string) => {
    const set = sets.get(target);
    if (set) set.add(dependent);
    else sets.set(target, new Set([dependent]));
  };
  for (const record of Object.values(records)) {
    if (record.host) add(record.host, record.id);
    for (const relationship of record.relationships) add(relationship.target, record.id);
  }
  const index = new Map<string, string[]>();
  for (const [target, set] of sets) index.set(target, [...set]);
  return index;
}
