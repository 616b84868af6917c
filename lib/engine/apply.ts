import { ErrorCode, HybridError } from '../core/errors';
import { RELATIONSHIP_LIFECYCLE } from '../core/types';
import type { EventBus } from './events';
import { containsUnknown, evaluate } from './functions';
import { runGraph, Task, TaskOutcome } from './executor';
import type { DesiredInstance } from './instances';
import { DeploymentModel, ModelNode, ModelOperation, ModelRelationship, operationFullName } from './model';
import { PlanContext, dependentsIndex, maskSecrets } from './plan';
import type { Plan, PlanStep } from './plan-types';
import { InstanceView, NonRecoverableError, OperationContext, OperationResult, ProviderRegistry, ReadResult, RecoverableError, raceAbort, sleep } from './provider';
import { PlacedInstance, Resolver, SecretSource } from './resolve';
import { SecretBox, isEncrypted } from './secret-box';
import type { StateWriter } from './state/state-writer';
import type { InstanceRecord, InstanceStatus, RelationshipRecord, StateSnapshot } from './state/types';

export interface ApplyOptions {
  readonly registry: ProviderRegistry;
  readonly writer: StateWriter;
  readonly events: EventBus;
  readonly box: SecretBox;
  readonly secrets: SecretSource;
  /** How many instances are worked on at once. @default 10 */
  readonly concurrency?: number;
  /** Timeout of an operation that sets none, in milliseconds. @default 600000 */
  readonly defaultTimeoutMs?: number;
  /** Retries of a recoverable failure for operations that set no max_retries. @default 3 */
  readonly defaultRetries?: number;
  /** First retry delay; doubles each time up to 30 s. @default 1000 */
  readonly retryBaseMs?: number;
  readonly signal?: AbortSignal;
  readonly workDirectory: string;
}

export interface RootCause {
  readonly instance: string;
  readonly action: string;
  readonly message: string;
  readonly code?: string;
}

export interface ApplyResult {
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
  readonly rootCauses: ReadonlyArray<RootCause>;
  readonly durationMs: number;
}

const STATUS_ORDER: InstanceStatus[] = ['uninitialized', 'creating', 'created', 'configuring', 'configured', 'starting', 'started'];

function statusIndex(status: InstanceStatus): number {
  const index = STATUS_ORDER.indexOf(status);
  return index === -1 ? 0 : index;
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  public async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** A deployment model rebuilt from state: how deleted or replaced instances are uninstalled. */
function recordedModel(current: DeploymentModel, snapshot: StateSnapshot): DeploymentModel {
  const nodes = new Map<string, ModelNode>(Object.entries(snapshot.nodes));
  const inputs = Object.fromEntries(Object.keys(snapshot.inputs).map((name) => [name, { required: false }]));
  return { ...current, blueprint: { ...current.blueprint, inputs }, nodes, groups: new Map() };
}

/**
 * Runs a plan: each step becomes a task in a graph walk (creates after what they need, deletes
 * after what needs them), and each task runs Cloudify's per-instance sequence, journaling its
 * intent before every provider call so that a crash at any point can be resumed.
 */
export async function applyPlan(plan: Plan, context: PlanContext, options: ApplyOptions): Promise<ApplyResult> {
  const started = Date.now();
  const runner = new InstanceRunner(plan, context, options);
  return runTasks(runner, runner.tasks(), options, started, { keepFailures: true });
}

/**
 * Walks the tasks' graph, the runner reporting each outcome, then flushes state and sums the run
 * up. With `keepFailures`, each failed instance keeps its last failure, masked, for `hybrid
 * state`; a later success clears it.
 */
async function runTasks(runner: InstanceRunner, tasks: Task[], options: ApplyOptions, started: number, { keepFailures }: { keepFailures: boolean }): Promise<ApplyResult> {
  const outcomes = await runGraph(tasks, {
    concurrency: options.concurrency ?? 10,
    signal: options.signal,
    onStart: (id) => options.events.emit({ type: 'step-started', ...taskParts(id) }),
    onFinish: (outcome) => runner.report(outcome),
  });
  const failed = keepFailures ? [...outcomes.values()].filter((outcome) => outcome.status === 'failed') : [];
  for (const outcome of failed) {
    const record = options.writer.instance(taskParts(outcome.id).instance);
    if (record) await options.writer.record({ kind: 'instance', record: { ...record, error: failureText(outcome.error, options) } }, false);
  }
  await options.writer.flush();
  return summarize(outcomes, options, started);
}

/** `<action>:<instance id>`, the id of every task of a run, taken apart. */
function taskParts(id: string): { action: string; instance: string } {
  const colon = id.indexOf(':');
  return { action: id.slice(0, colon), instance: id.slice(colon + 1) };
}

/** A failure's message as state, events and errors show it: secrets masked. */
function failureText(error: unknown, options: ApplyOptions): string {
  return options.events.redactor.text((error as any)?.message ?? String(error));
}

/** The counts and root causes of a finished run, announced with `run-finished`. */
function summarize(outcomes: ReadonlyMap<string, TaskOutcome>, options: ApplyOptions, started: number): ApplyResult {
  const counts = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  const rootCauses: RootCause[] = [];
  for (const outcome of outcomes.values()) {
    counts[outcome.status]++;
    if (outcome.status === 'failed') {
      const error = outcome.error as any;
      rootCauses.push({ ...taskParts(outcome.id), message: failureText(error, options), ...(HybridError.isHybridError(error) ? { code: error.code } : {}) });
    }
  }
  rootCauses.sort((a, b) => (a.instance < b.instance ? -1 : 1));
  const durationMs = Date.now() - started;
  options.events.emit({ type: 'run-finished', succeeded: counts.succeeded, failed: counts.failed, skipped: counts.skipped + counts.cancelled, durationMs });
  return { ...counts, rootCauses, durationMs };
}

/** The plan of a run that only reads or runs one operation: no steps. */
function noSteps(stack: string): Plan {
  return { version: 1, stack, workflow: 'install', serial: 0, blueprintDigest: '', steps: [], summary: { create: 0, update: 0, replace: 0, delete: 0, same: 0 }, outputs: {} };
}

/**
 * Asks providers about every started instance whose node can be read (check_drift): does it
 * still exist, and has it drifted from what hybrid applied. Reads run concurrently.
 */
export async function readInstances(context: PlanContext, options: ApplyOptions, only?: ReadonlySet<string>): Promise<Map<string, ReadResult>> {
  const runner = new InstanceRunner(noSteps(context.model.stack), context, options);
  const found = new Map<string, ReadResult>();
  const tasks: Task[] = [];
  for (const record of Object.values(options.writer.snapshot().instances)) {
    if (record.status !== 'started' || (only && !only.has(record.id))) continue;
    tasks.push({ id: `read:${record.id}`, dependsOn: [], run: async (signal) => {
      const result = await runner.read(record.id, signal);
      if (result) found.set(record.id, result);
    } });
  }
  const outcomes = await runGraph(tasks, { concurrency: options.concurrency ?? 10, signal: options.signal });
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'failed') throw outcome.error;
  }
  return found;
}

/** What execute-operation runs: an operation on chosen instances. */
export interface ExecuteRequest {
  /** The operation's full name (`cloudify.interfaces.lifecycle.start`, `maintenance.rotate_logs`). */
  readonly operation: string;
  /** Instances to run it on, in state; each with the operation as its node defines it (inputs merged with the kwargs). */
  readonly targets: ReadonlyArray<{ readonly instance: string; readonly operation: ModelOperation }>;
  /** Run an instance only after the targets it depends on (relationships, host). @default false */
  readonly byDependencyOrder?: boolean;
}

/** Runs an operation on recorded instances (`hybrid execute-operation`), concurrently or in dependency order. */
export async function executeOperation(context: PlanContext, options: ApplyOptions, request: ExecuteRequest): Promise<ApplyResult> {
  const started = Date.now();
  const runner = new InstanceRunner(noSteps(context.model.stack), context, options);
  const chosen = new Set(request.targets.map((target) => target.instance));
  const action = request.operation.slice(request.operation.lastIndexOf('.') + 1);
  const tasks: Task[] = request.targets.map(({ instance, operation }) => {
    const record = options.writer.instance(instance)!;
    const needs = request.byDependencyOrder ? [record.host, ...record.relationships.map((relationship) => relationship.target)].filter((id): id is string => id !== undefined && chosen.has(id)) : [];
    return { id: `${action}:${instance}`, dependsOn: [...new Set(needs)].map((id) => `${action}:${id}`), run: (signal) => runner.execute(instance, request.operation, operation, signal) };
  });
  return runTasks(runner, tasks, options, started, { keepFailures: false });
}

class InstanceRunner {
  private readonly providerLimits = new Map<string, Semaphore>();
  private readonly recordedNodes = new Set<string>();
  private readonly steps: Map<string, PlanStep>;
  private readonly oldModel: DeploymentModel;
  /** The instances state recorded when the run began: what uninstalls and reads resolve against. */
  private readonly recordedInstances: ReadonlyMap<string, PlacedInstance>;
  private readonly resolvers = new Map<DeploymentModel, Resolver>();

  constructor(private readonly plan: Plan, private readonly context: PlanContext, private readonly options: ApplyOptions) {
    this.steps = new Map(plan.steps.map((step) => [step.instance, step]));
    this.oldModel = recordedModel(context.model, context.state);
    this.recordedInstances = new Map(
      Object.values(options.writer.snapshot().instances).map(({ id, node, index, host, unit }) => [id, { id, node, index, host, unit }]),
    );
    for (const provider of options.registry.list()) if (provider.concurrency) this.providerLimits.set(provider.name, new Semaphore(provider.concurrency));
  }

  /** The task graph: one task per create/update/delete, two for a replace. */
  public tasks(): Task[] {
    const tasks: Task[] = [];
    const dependents = dependentsIndex(this.context.state.instances);
    const forward = (step: PlanStep) =>
      step.dependsOn.map((dependency) => {
        const action = this.steps.get(dependency)?.action;
        return action === 'update' ? `update:${dependency}` : `create:${dependency}`;
      });
    const backward = (id: string, includeUpdates: boolean) =>
      (dependents.get(id) ?? []).flatMap((dependent) => {
        const action = this.steps.get(dependent)?.action;
        if (action === 'delete' || action === 'replace') return [`delete:${dependent}`];
        if (action === 'update' && includeUpdates) return [`update:${dependent}`];
        return [];
      });
    for (const step of this.plan.steps) {
      const id = step.instance;
      switch (step.action) {
        case 'create':
          tasks.push({ id: `create:${id}`, dependsOn: forward(step), run: (signal) => this.install(id, signal) });
          break;
        case 'update':
          tasks.push({ id: `update:${id}`, dependsOn: forward(step), run: (signal) => this.update(id, signal) });
          break;
        case 'replace':
          tasks.push({ id: `delete:${id}`, dependsOn: backward(id, false), run: (signal) => this.uninstall(id, signal) });
          tasks.push({ id: `create:${id}`, dependsOn: [`delete:${id}`, ...forward(step)], run: (signal) => this.install(id, signal) });
          break;
        case 'delete':
          tasks.push({ id: `delete:${id}`, dependsOn: backward(id, true), run: (signal) => this.uninstall(id, signal) });
          break;
        default:
          break;
      }
    }
    return tasks;
  }

  public report(outcome: TaskOutcome): void {
    const { action, instance } = taskParts(outcome.id);
    const events = this.options.events;
    if (outcome.status === 'succeeded') events.emit({ type: 'step-finished', instance, action, durationMs: outcome.durationMs });
    else if (outcome.status === 'failed') {
      const error = outcome.error as Error;
      events.emit({ type: 'step-failed', instance, action, error: error?.message ?? String(error), durationMs: outcome.durationMs });
    } else {
      const cause = outcome.rootCause ? taskParts(outcome.rootCause).instance : undefined;
      events.emit({ type: 'step-skipped', instance, action, because: outcome.status === 'cancelled' ? 'interrupted' : `${cause} failed` });
    }
  }

  // ---- instance sequences ------------------------------------------------------------------

  private async install(id: string, signal: AbortSignal): Promise<void> {
    const instance = this.context.desired.get(id)!;
    const node = this.context.model.nodes.get(instance.node)!;
    await this.recordNode(node);
    const writer = this.options.writer;
    const existing = writer.instance(id);
    let record: InstanceRecord = existing ?? {
      id, node: node.name, type: node.type, index: instance.index, status: 'uninitialized',
      ...(instance.host ? { host: instance.host } : {}), ...(instance.unit ? { unit: instance.unit } : {}),
      properties: {}, runtimeProperties: {}, relationships: [],
    };
    const step = this.steps.get(id);
    if (step?.fromStatus === 'uninitialized' && existing) {
      // The resource vanished outside hybrid: start its lifecycle over.
      record = { ...record, status: 'uninitialized', runtimeProperties: {} };
    }
    const resolver = this.resolver(this.context.model);
    const properties = this.strictProperties(resolver, instance, node);
    record = {
      ...record,
      type: node.type,
      properties: maskSecrets(properties, this.options.events.redactor, this.options.box),
      relationships: instance.relationships.map(({ type, target }) => ({ type, target })),
    };
    const save = (changes: Partial<InstanceRecord>, durable: boolean) => {
      record = { ...record, ...changes };
      return writer.record({ kind: 'instance', record }, durable);
    };
    let status = record.status;

    if (statusIndex(status) < statusIndex('created')) {
      const create = node.operations.create;
      let adopted = false;
      if (status === 'creating' && record.pending && create) {
        adopted = await this.adopt(record, node, properties, signal);
        if (adopted) record = writer.instance(id)!;
      }
      if (!adopted && create) {
        // Only the intents of create and delete must be on disk before the call: after a crash they
        // decide between adopting and repeating. Configure, start, update and stop are re-run when
        // their instance is found short of its final status, so their intents ride the next batch.
        await save({ status: 'creating', pending: { operation: 'create', since: new Date().toISOString() } }, true);
        await this.call(record, node, properties, 'create', create, signal, (result) => save(this.merge(record, result, { pending: undefined, status: 'created' }), false));
      }
      await save({ status: 'created', pending: undefined, error: undefined }, false);
      status = 'created';
    }
    if (statusIndex(status) < statusIndex('configured')) {
      await this.relationshipOperations(id, 'preconfigure', signal);
      record = writer.instance(id)!;
      const configure = node.operations.configure;
      if (configure) {
        await save({ status: 'configuring', pending: { operation: 'configure', since: new Date().toISOString() } }, false);
        await this.call(record, node, properties, 'configure', configure, signal, (result) => save(this.merge(record, result, { pending: undefined }), false));
      }
      await save({ status: 'configured', pending: undefined }, false);
    }
    await this.relationshipOperations(id, 'postconfigure', signal);
    record = writer.instance(id)!;
    for (const operation of ['start', 'poststart'] as const) {
      const spec = node.operations[operation];
      if (!spec) continue;
      await save({ status: 'starting', pending: { operation, since: new Date().toISOString() } }, false);
      await this.call(record, node, properties, operation, spec, signal, (result) => save(this.merge(record, result, { pending: undefined }), false));
    }
    await this.relationshipOperations(id, 'establish', signal);
    record = writer.instance(id)!;
    await save({ status: 'started', pending: undefined, error: undefined }, false);
  }

  private async update(id: string, signal: AbortSignal): Promise<void> {
    const instance = this.context.desired.get(id)!;
    const node = this.context.model.nodes.get(instance.node)!;
    await this.recordNode(node);
    const writer = this.options.writer;
    let record = writer.instance(id)!;
    const resolver = this.resolver(this.context.model);
    const properties = this.strictProperties(resolver, instance, node);
    const masked = maskSecrets(properties, this.options.events.redactor, this.options.box);
    const save = (changes: Partial<InstanceRecord>, durable: boolean) => {
      record = { ...record, ...changes };
      return writer.record({ kind: 'instance', record }, durable);
    };
    if (JSON.stringify(masked) !== JSON.stringify(record.properties) || (this.steps.get(id)?.reason ?? '').includes('drift')) {
      const operation = node.operations.update;
      if (!operation) throw new NonRecoverableError(`${id}: properties changed but node type ${node.type} has no update operation`);
      await save({ pending: { operation: 'update', since: new Date().toISOString() } }, false);
      await this.call(record, node, properties, 'update', operation, signal, (result) => save(this.merge(record, result, { pending: undefined, properties: masked }), false));
      await save({ pending: undefined, properties: masked }, false);
    }
    // Relationship instances that went away are unlinked; new ones, or ones whose target was
    // replaced, get their whole relationship sequence (Cloudify's "intact peer" establish).
    const key = (r: RelationshipRecord) => `${r.type}>${r.target}`;
    const desiredKeys = new Set(instance.relationships.map(key));
    const recordedKeys = new Set(record.relationships.map(key));
    const removed = record.relationships.filter((r) => !desiredKeys.has(key(r)));
    for (const relationship of [...removed].reverse()) await this.unlinkOne(record, relationship, signal);
    const fresh = instance.relationships.filter((r) => !recordedKeys.has(key(r)) || this.steps.get(r.target)?.action === 'replace');
    for (const phase of ['preconfigure', 'postconfigure', 'establish'] as const) {
      for (const relationship of fresh) await this.relationshipOperation(id, relationship, phase, signal);
    }
    record = writer.instance(id)!;
    await save({ relationships: instance.relationships.map(({ type, target }) => ({ type, target })), error: undefined }, false);
  }

  private async uninstall(id: string, signal: AbortSignal): Promise<void> {
    const writer = this.options.writer;
    let record = writer.instance(id);
    if (!record) return;
    const node = writer.node(record.node) ?? this.context.model.nodes.get(record.node);
    if (!node) throw new HybridError(ErrorCode.StateCorrupt, `${id}: state has no record of node ${record.node}, so it cannot be uninstalled; forget it with \`hybrid state forget ${id}\``);
    const resolver = this.resolver(this.oldModel);
    let properties: { [name: string]: any };
    try {
      properties = evaluate(node.properties, resolver.context(`node_templates.${node.name}.properties`, { self: id }));
    } catch (error) {
      throw new HybridError(ErrorCode.OperationFailed, `${id}: cannot evaluate its recorded properties to uninstall it: ${(error as Error).message}`, { cause: error });
    }
    const save = (changes: Partial<InstanceRecord>, durable: boolean) => {
      record = { ...record!, ...changes };
      return writer.record({ kind: 'instance', record }, durable);
    };
    if (!['stopped', 'deleting', 'uninitialized'].includes(record.status)) {
      for (const operation of ['prestop', 'stop'] as const) {
        const spec = node.operations[operation];
        if (!spec) continue;
        await save({ status: 'stopping', pending: { operation, since: new Date().toISOString() } }, false);
        await this.call(record, node, properties, operation, spec, signal, (result) => save(this.merge(record!, result, { pending: undefined }), false));
      }
      await save({ status: 'stopped', pending: undefined }, false);
    }
    if (record.status !== 'uninitialized') {
      for (const relationship of [...record.relationships].reverse()) await this.unlinkOne(record, relationship, signal);
      record = writer.instance(id)!;
      for (const operation of ['delete', 'postdelete'] as const) {
        const spec = node.operations[operation];
        if (!spec) continue;
        await save({ status: 'deleting', pending: { operation, since: new Date().toISOString() } }, true);
        await this.call(record, node, properties, operation, spec, signal, (result) => save(this.merge(record!, result, { pending: undefined }), false));
      }
    }
    await writer.record({ kind: 'forget-instance', id }, false);
  }

  /** Runs the check_drift (read) operation of a recorded instance; undefined when it has none. */
  public async read(id: string, signal: AbortSignal): Promise<ReadResult | undefined> {
    const record = this.options.writer.instance(id);
    if (!record) return undefined;
    const node = this.options.writer.node(record.node);
    const operation = node?.operations.check_drift;
    if (!node || !operation) return undefined;
    const properties = this.safeProperties(record, this.oldModel);
    let found: ReadResult | undefined;
    await this.call(record, node, properties, 'check_drift', operation, signal, (result) => {
      found = result as ReadResult;
    });
    if (found) this.options.events.emit({ type: 'drift', instance: id, exists: found.exists, drift: found.drift ?? [] });
    return found;
  }

  /** Runs one operation (any interface's, by full name) on a recorded instance; its result merges into the runtime properties. */
  public async execute(id: string, fullName: string, operation: ModelOperation, signal: AbortSignal): Promise<void> {
    const writer = this.options.writer;
    const record = writer.instance(id)!;
    const node = this.context.model.nodes.get(record.node)!;
    const properties = this.safeProperties(record, this.context.model);
    await this.call(record, node, properties, fullName, operation, signal, async (result) => {
      const current = writer.instance(id)!;
      await writer.record({ kind: 'instance', record: { ...current, ...this.merge(current, result, {}) } }, false);
    });
  }

  // ---- pieces ------------------------------------------------------------------------------

  private async recordNode(node: ModelNode): Promise<void> {
    if (this.recordedNodes.has(node.name)) return;
    this.recordedNodes.add(node.name);
    const existing = this.options.writer.node(node.name);
    if (existing && JSON.stringify(existing) === JSON.stringify(node)) return;
    // Keep the recorded definition of a node whose old instances still need uninstalling with it.
    const stale = Object.values(this.options.writer.snapshot().instances).some((instance) => instance.node === node.name && this.steps.get(instance.id)?.action === 'replace' && instance.type !== node.type);
    if (!stale) await this.options.writer.record({ kind: 'node', name: node.name, record: node }, false);
  }

  /**
   * One resolver per model for the whole run: it caches only what cannot change during it (inputs,
   * secrets, properties without get_attribute) and its instance index, which is costly to rebuild.
   */
  private resolver(model: DeploymentModel): Resolver {
    let resolver = this.resolvers.get(model);
    if (!resolver) {
      resolver = this.newResolver(model);
      this.resolvers.set(model, resolver);
    }
    return resolver;
  }

  private newResolver(model: DeploymentModel): Resolver {
    const writer = this.options.writer;
    return new Resolver(
      model,
      // The recorded model goes with the inputs recorded before this run (the run records its own first).
      model === this.context.model ? this.context.inputs : this.context.state.inputs,
      this.options.secrets,
      this.options.events.redactor,
      this.options.box,
      (id) => writer.instance(id)?.runtimeProperties,
      model === this.oldModel ? this.recordedInstances : this.context.desired,
      (id) => writer.instance(id),
    );
  }

  private strictProperties(resolver: Resolver, instance: DesiredInstance, node: ModelNode): { [name: string]: any } {
    const properties = resolver.instanceProperties(instance);
    if (containsUnknown(properties)) {
      const unknown = Object.keys(properties).filter((name) => containsUnknown(properties[name]));
      throw new HybridError(ErrorCode.DanglingRef, `${instance.id}: properties ${unknown.join(', ')} of node ${node.name} refer to attributes of instances that do not exist`);
    }
    return properties;
  }

  private merge(record: InstanceRecord, result: OperationResult | void, extra: Partial<InstanceRecord>): Partial<InstanceRecord> {
    const runtime: { [name: string]: any } = { ...record.runtimeProperties };
    if (result) {
      const secretNames = new Set(result.secretRuntimeProperties ?? []);
      const redactor = this.options.events.redactor;
      for (const [name, value] of Object.entries(result.runtimeProperties ?? {})) {
        // A provider may echo a secret it was given (a password in a connection string): such a
        // value is encrypted in state like one the provider declared secret.
        if (secretNames.has(name) || (redactor.size > 0 && value !== undefined && redactor.text(JSON.stringify(value)) !== JSON.stringify(value))) {
          this.registerSecret(value);
          runtime[name] = this.options.box.encrypt(value);
        } else {
          runtime[name] = value;
        }
      }
      for (const name of result.removeRuntimeProperties ?? []) delete runtime[name];
    }
    return { runtimeProperties: runtime, ...extra };
  }

  private registerSecret(value: unknown): void {
    if (typeof value === 'string') this.options.events.redactor.add(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) this.registerSecret(item);
  }

  /** After a crash during create: ask the provider whether the resource exists, and adopt it. */
  private async adopt(record: InstanceRecord, node: ModelNode, properties: any, signal: AbortSignal): Promise<boolean> {
    const read = node.operations.check_drift;
    if (!read) {
      this.options.events.emit({ type: 'recovered', instance: record.id, operation: 'create', outcome: 'retry' });
      return false;
    }
    let found: ReadResult | undefined;
    await this.call(record, node, properties, 'check_drift', read, signal, async (result) => {
      found = result as ReadResult;
    });
    if (!found?.exists) {
      this.options.events.emit({ type: 'recovered', instance: record.id, operation: 'create', outcome: 'retry' });
      return false;
    }
    await this.options.writer.record({ kind: 'instance', record: { ...record, ...this.merge(record, found, { status: 'created', pending: undefined }) } }, false);
    this.options.events.emit({ type: 'recovered', instance: record.id, operation: 'create', outcome: 'adopted' });
    return true;
  }

  private async relationshipOperations(id: string, phase: 'preconfigure' | 'postconfigure' | 'establish', signal: AbortSignal): Promise<void> {
    const instance = this.context.desired.get(id)!;
    for (const relationship of instance.relationships) await this.relationshipOperation(id, relationship, phase, signal);
  }

  private async relationshipOperation(
    sourceId: string,
    relationship: RelationshipRecord & { relationship?: number },
    phase: 'preconfigure' | 'postconfigure' | 'establish',
    signal: AbortSignal,
  ): Promise<void> {
    const source = this.context.desired.get(sourceId)!;
    const node = this.context.model.nodes.get(source.node)!;
    const index = relationship.relationship ?? node.relationships.findIndex((r) => r.type === relationship.type && this.context.desired.get(relationship.target)?.node === r.target);
    const definition = node.relationships[index];
    if (!definition) return;
    await this.runRelationshipSides(this.context.model, definition, sourceId, relationship.target, phase, signal);
  }

  private async unlinkOne(record: InstanceRecord, relationship: RelationshipRecord, signal: AbortSignal): Promise<void> {
    const node = this.options.writer.node(record.node) ?? this.context.model.nodes.get(record.node);
    const target = this.options.writer.instance(relationship.target);
    if (!node || !target) return;
    const definition = node.relationships.find((r) => r.type === relationship.type && r.target === target.node);
    if (!definition) return;
    await this.runRelationshipSides(this.oldModel, definition, record.id, relationship.target, 'unlink', signal);
  }

  private async runRelationshipSides(model: DeploymentModel, definition: ModelRelationship, sourceId: string, targetId: string, phase: string, signal: AbortSignal): Promise<void> {
    const writer = this.options.writer;
    for (const side of ['source', 'target'] as const) {
      const operation = side === 'source' ? definition.source[phase] : definition.targetSide[phase];
      if (!operation) continue;
      const runsOn = writer.instance(side === 'source' ? sourceId : targetId);
      if (!runsOn) continue;
      const node = writer.node(runsOn.node) ?? model.nodes.get(runsOn.node)!;
      const resolver = this.resolver(model);
      const properties = evaluate(node.properties, resolver.context(`node_templates.${node.name}.properties`, { self: runsOn.id }));
      const relationshipProperties = evaluate(definition.properties, resolver.context(`node_templates.${sourceId}.relationships`, { source: sourceId, target: targetId }));
      let current = runsOn;
      await this.call(current, node, properties, phase, operation, signal, async (result) => {
        current = writer.instance(runsOn.id)!;
        await writer.record({ kind: 'instance', record: { ...current, ...this.merge(current, result, {}) } }, false);
      }, { type: definition.type, side, sourceId, targetId, properties: relationshipProperties, model });
    }
  }

  /** Calls one provider operation with retries, a timeout and the abort signal. */
  private async call(
    record: InstanceRecord,
    node: ModelNode,
    properties: { [name: string]: any },
    operationName: string,
    operation: ModelOperation,
    signal: AbortSignal,
    onResult: (result: OperationResult | void) => Promise<void> | void,
    relationship?: { type: string; side: 'source' | 'target'; sourceId: string; targetId: string; properties: any; model: DeploymentModel },
  ): Promise<void> {
    const registered = this.options.registry.handler(operation.implementation);
    if (!registered) {
      throw new HybridError(ErrorCode.ProviderMissing, `${record.id}: operation ${operationName} is implemented by '${operation.implementation}', which no registered provider offers`);
    }
    const model = relationship?.model ?? this.context.model;
    const resolver = this.resolver(model);
    const placement = relationship ? { source: relationship.sourceId, target: relationship.targetId } : { self: record.id };
    const inputs = operation.inputs ? evaluate(operation.inputs, resolver.context(`${record.id}.${operationName}.inputs`, placement)) : {};
    if (containsUnknown(inputs)) throw new HybridError(ErrorCode.DanglingRef, `${record.id}: inputs of ${operationName} refer to attributes that are not known`);
    const fullName = relationship ? `${RELATIONSHIP_LIFECYCLE}.${operationName}` : operationFullName(operationName);
    const timeoutMs = operation.timeout !== undefined ? operation.timeout * 1000 : this.options.defaultTimeoutMs ?? 600_000;
    const explicitRetries = operation.max_retries !== undefined;
    const maxRetries = explicitRetries ? operation.max_retries! : this.options.defaultRetries ?? 3;
    // An instance that is going away resolves against the recorded model and instances: in the
    // desired ones, a scaled node's attribute would name another unit's instance (or none).
    const modelOf = (instanceRecord: InstanceRecord) => (this.context.desired.has(instanceRecord.id) ? model : this.oldModel);
    const view = (instanceRecord: InstanceRecord, nodeProperties: any): InstanceView => {
      const hostRecord = instanceRecord.host ? this.options.writer.instance(instanceRecord.host) : undefined;
      const instanceNode = this.options.writer.node(instanceRecord.node) ?? model.nodes.get(instanceRecord.node);
      return {
        id: instanceRecord.id,
        node: instanceRecord.node,
        type: instanceRecord.type,
        typeHierarchy: instanceNode?.typeHierarchy ?? [instanceRecord.type],
        properties: nodeProperties,
        runtimeProperties: this.decrypted(instanceRecord.runtimeProperties),
        ...(hostRecord ? { host: view(hostRecord, this.safeProperties(hostRecord, modelOf(hostRecord))) } : {}),
      };
    };
    const self = view(record, properties);
    let relationshipView: OperationContext['relationship'];
    if (relationship) {
      const other = this.options.writer.instance(relationship.side === 'source' ? relationship.targetId : relationship.sourceId)!;
      const otherView = view(other, this.safeProperties(other, modelOf(other)));
      relationshipView = {
        type: relationship.type,
        side: relationship.side,
        source: relationship.side === 'source' ? self : otherView,
        target: relationship.side === 'source' ? otherView : self,
        properties: relationship.properties,
      };
    }
    const limiter = this.providerLimits.get(registered.provider.name);
    const events = this.options.events;
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, timeoutMs);
      const startedAt = Date.now();
      events.emit({ type: 'operation-started', instance: record.id, operation: fullName });
      const context: OperationContext = {
        stack: this.context.model.stack,
        baseDirectory: this.context.model.workingDirectory,
        workDirectory: this.options.workDirectory,
        instance: self,
        ...(relationshipView ? { relationship: relationshipView } : {}),
        operation: { name: fullName, implementation: operation.implementation, inputs, retryNumber: attempt, timeoutMs },
        identity: `${this.context.model.stack}.${record.id}`,
        signal: controller.signal,
        log: (level, message) => events.emit({ type: 'log', instance: record.id, level, message }),
        progress: (message) => events.emit({ type: 'progress', instance: record.id, message }),
        registerSecret: (value) => events.redactor.add(value),
      };
      try {
        // An operation is not started once the run is aborted or timed out (say, while it waited for
        // the provider's limit): a handler started then would run unobserved.
        const work = () => (controller.signal.aborted ? Promise.reject(controller.signal.reason ?? new Error('aborted')) : raceAbort(Promise.resolve(registered.handler(context)), controller.signal));
        const result = limiter ? await limiter.use(work) : await work();
        events.emit({ type: 'operation-finished', instance: record.id, operation: fullName, durationMs: Date.now() - startedAt });
        await onResult(result ?? undefined);
        return;
      } catch (caught) {
        const message = events.redactor.text(caught instanceof Error ? caught.message : String(caught));
        if (timedOut) {
          throw new HybridError(ErrorCode.OperationTimeout, `${record.id}: ${fullName} did not finish within ${Math.round(timeoutMs / 1000)} s; raise its timeout or find why it is slow`, { cause: caught });
        }
        if (signal.aborted) throw new HybridError(ErrorCode.Interrupted, `${record.id}: ${fullName} was interrupted`, { cause: caught });
        const retryable = !(caught instanceof NonRecoverableError) && !HybridError.isHybridError(caught) && (explicitRetries || caught instanceof RecoverableError || isTransient(caught));
        if (!retryable || (maxRetries !== -1 && attempt >= maxRetries)) {
          if (HybridError.isHybridError(caught)) throw caught;
          const prefix = `${record.id}: ${fullName} failed${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}: `;
          throw new HybridError(ErrorCode.OperationFailed, prefix + message, { cause: caught });
        }
        const base = operation.retry_interval !== undefined ? operation.retry_interval * 1000 : (this.options.retryBaseMs ?? 1000) * 2 ** attempt;
        const delayMs = Math.min((caught as RecoverableError).retryAfterMs ?? base, 30_000);
        events.emit({ type: 'retry', instance: record.id, operation: fullName, attempt: attempt + 1, delayMs, error: message });
        await sleep(delayMs, signal);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  private safeProperties(record: InstanceRecord, model: DeploymentModel): any {
    const node = this.options.writer.node(record.node) ?? model.nodes.get(record.node);
    if (!node) return {};
    try {
      return evaluate(node.properties, this.resolver(model).context(`node_templates.${node.name}.properties`, { self: record.id }));
    } catch {
      return {};
    }
  }

  private decrypted(runtime: { readonly [name: string]: any }): { [name: string]: any } {
    const result: { [name: string]: any } = {};
    for (const [name, value] of Object.entries(runtime)) {
      if (isEncrypted(value)) {
        const plain = this.options.box.decrypt(value);
        this.registerSecret(plain);
        result[name] = plain;
      } else {
        result[name] = value;
      }
    }
    return result;
  }
}

function isTransient(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code);
}



