import * as os from 'os';
import { ErrorCode, HybridError } from '../core/errors';
import { ApplyResult, applyPlan, executeOperation as runOperation, readInstances } from './apply';
import type { DesiredInstance } from './instances';
import { EventBus } from './events';
import { evaluate } from './functions';
import { DeploymentModel, ModelOperation, nodeOperation } from './model';
import { maskSecrets, plan as makePlan, PlanContext } from './plan';
import { Plan, planHasChanges } from './plan-types';
import type { ProviderRegistry, ReadResult } from './provider';
import { Resolver, SecretSource, environmentSecrets, resolveInputs } from './resolve';
import { SecretBox } from './secret-box';
import { emptyState } from './state/records';
import { StateWriter } from './state/state-writer';
import type { StateSnapshot, StateStore } from './state/types';

export interface WorkflowOptions {
  readonly store: StateStore;
  readonly registry: ProviderRegistry;
  readonly events?: EventBus;
  readonly secrets?: SecretSource;
  readonly inputs?: { [name: string]: any };
  readonly workDirectory: string;
  readonly concurrency?: number;
  readonly defaultTimeoutMs?: number;
  readonly defaultRetries?: number;
  readonly retryBaseMs?: number;
  readonly signal?: AbortSignal;
  /** Read real resources first so the plan shows drift. @default false */
  readonly refresh?: boolean;
  readonly environment?: NodeJS.ProcessEnv;
}

export interface DeployOptions extends WorkflowOptions {
  /** Called with the plan before anything changes; return false to stop. */
  confirm?(plan: Plan): Promise<boolean> | boolean;
  /** A plan the user reviewed earlier: refused unless the new plan is the same and state has not moved. */
  readonly expectedPlan?: Plan;
  /** Instances to replace regardless of changes (heal). */
  readonly forceReplace?: ReadonlySet<string>;
  readonly destroy?: boolean;
}

export interface DeployResult {
  readonly plan: Plan;
  readonly applied: boolean;
  readonly result?: ApplyResult;
  readonly outputs: { [name: string]: any };
}

function lockInfo(operation: string) {
  return { holder: os.userInfo().username, host: os.hostname(), pid: process.pid, operation, time: new Date().toISOString() };
}

/** Runs `work` holding the stack's lock, with a state writer over the loaded (or a new) state. */
async function withState<T>(operation: string, model: DeploymentModel, options: WorkflowOptions, work: (writer: StateWriter, existing: StateSnapshot | undefined, box: SecretBox, events: EventBus) => Promise<T>): Promise<T> {
  const events = options.events ?? new EventBus();
  const lock = await options.store.lock(lockInfo(operation));
  if (lock.tookOverFrom) events.emit({ type: 'lock-taken-over', previousHolder: `${lock.tookOverFrom.holder}@${lock.tookOverFrom.host} pid ${lock.tookOverFrom.pid}` });
  try {
    const existing = await options.store.load();
    if (existing && existing.stack !== model.stack) {
      throw new HybridError(ErrorCode.StateCorrupt, `state at ${options.store.location} belongs to stack '${existing.stack}', not '${model.stack}'`);
    }
    const snapshot = existing ?? emptyState(model.stack);
    const box = SecretBox.forLineage(snapshot.lineage, options.environment);
    const writer = new StateWriter(options.store, snapshot);
    try {
      return await work(writer, existing, box, events);
    } finally {
      await writer.flush().catch(() => undefined);
      (options.store as { close?: () => void }).close?.();
    }
  } finally {
    await lock.release();
  }
}

function planOptions(options: DeployOptions, box: SecretBox, events: EventBus, observed?: Map<string, ReadResult>) {
  return {
    inputs: options.inputs ?? {},
    secrets: options.secrets ?? environmentSecrets(options.environment),
    redactor: events.redactor,
    box,
    registry: options.registry,
    forceReplace: options.forceReplace,
    observed,
    destroy: options.destroy,
  };
}

function applyOptions(options: WorkflowOptions, writer: StateWriter, box: SecretBox, events: EventBus) {
  return {
    registry: options.registry,
    writer,
    events,
    box,
    secrets: options.secrets ?? environmentSecrets(options.environment),
    concurrency: options.concurrency,
    defaultTimeoutMs: options.defaultTimeoutMs,
    defaultRetries: options.defaultRetries,
    retryBaseMs: options.retryBaseMs,
    signal: options.signal,
    workDirectory: options.workDirectory,
  };
}

/** Plans without changing anything (`hybrid diff`). */
export async function diff(model: DeploymentModel, options: DeployOptions): Promise<Plan> {
  return withState('diff', model, options, async (writer, existing, box, events) => {
    const observed = options.refresh && existing ? await refreshReads(model, writer, existing, box, events, options) : undefined;
    const { plan } = makePlan(model, existing, planOptions(options, box, events, observed));
    events.emit({ type: 'plan-ready', plan });
    return plan;
  });
}

async function refreshReads(model: DeploymentModel, writer: StateWriter, existing: StateSnapshot, box: SecretBox, events: EventBus, options: WorkflowOptions) {
  const context: PlanContext = { model, inputs: existing.inputs, desired: new Map(), state: existing };
  return readInstances(context, applyOptions(options, writer, box, events));
}

/**
 * The install workflow (`hybrid deploy`), and with `destroy` the uninstall workflow: plan against
 * state, confirm, apply exactly that plan, then record outputs and write a snapshot.
 */
export async function deploy(model: DeploymentModel, options: DeployOptions): Promise<DeployResult> {
  return withState(options.destroy ? 'destroy' : 'deploy', model, options, async (writer, existing, box, events) => {
    const observed = options.refresh && existing ? await refreshReads(model, writer, existing, box, events, options) : undefined;
    const { plan, context } = makePlan(model, existing, planOptions(options, box, events, observed));
    events.emit({ type: 'plan-ready', plan });
    if (options.expectedPlan) checkExpectedPlan(options.expectedPlan, plan);
    if (!planHasChanges(plan)) {
      return { plan, applied: false, outputs: existing?.outputs ?? {} };
    }
    if (options.confirm && !(await options.confirm(plan))) return { plan, applied: false, outputs: existing?.outputs ?? {} };

    if (!existing) {
      // Fix the lineage on disk before the first provider call.
      await writer.compact();
    }
    await writer.record({ kind: 'meta', inputs: maskSecrets(context.inputs, events.redactor, box), blueprintDigest: plan.blueprintDigest }, true);
    const result = await applyPlan(plan, context, applyOptions(options, writer, box, events));
    const outputs = options.destroy ? {} : evaluateOutputs(model, context, writer, box, events, options);
    await writer.record({ kind: 'meta', outputs }, false);
    // Forget recorded nodes that no longer have instances and left the blueprint.
    const snapshot = writer.snapshot();
    const used = new Set(Object.values(snapshot.instances).map((instance) => instance.node));
    for (const name of Object.keys(snapshot.nodes)) if (!used.has(name)) await writer.record({ kind: 'forget-node', name }, false);
    await writer.compact();
    if (options.signal?.aborted) {
      throw new HybridError(ErrorCode.Interrupted, `interrupted: ${result.succeeded} steps finished and were recorded; run the command again to continue`);
    }
    return { plan, applied: true, result, outputs };
  });
}

function checkExpectedPlan(expected: Plan, actual: Plan): void {
  if (expected.lineage !== actual.lineage || expected.serial !== actual.serial) {
    throw new HybridError(ErrorCode.StateMoved, `the saved plan was made against state serial ${expected.serial}, but state is now at serial ${actual.serial}; run \`hybrid diff\` again and review the new plan`);
  }
  const strip = (plan: Plan) => JSON.stringify({ ...plan, outputs: undefined });
  if (strip(expected) !== strip(actual)) {
    throw new HybridError(ErrorCode.StateMoved, 'the blueprint, inputs or secrets changed since the plan was saved; run `hybrid diff` again and review the new plan');
  }
}

function evaluateOutputs(model: DeploymentModel, context: PlanContext, writer: StateWriter, box: SecretBox, events: EventBus, options: WorkflowOptions): { [name: string]: any } {
  const resolver = new Resolver(model, context.inputs, options.secrets ?? environmentSecrets(options.environment), events.redactor, box, (id) => writer.instance(id)?.runtimeProperties, context.desired, (id) => writer.instance(id));
  const outputs: { [name: string]: any } = {};
  for (const [name, output] of Object.entries({ ...(model.blueprint.outputs ?? {}), ...(model.blueprint.capabilities ?? {}) })) {
    try {
      const value = evaluate(output.value, resolver.context(`outputs.${name}`));
      outputs[name] = events.redactor.text(JSON.stringify(value)) === JSON.stringify(value) ? value : box.encrypt(value);
    } catch (error) {
      outputs[name] = { $error: events.redactor.text((error as Error).message) };
    }
  }
  return outputs;
}

/** Reads real resources and reports drift (`hybrid refresh`); state is not changed. */
export async function refresh(model: DeploymentModel, options: WorkflowOptions): Promise<Map<string, ReadResult>> {
  return withState('refresh', model, options, async (writer, existing, box, events) => {
    if (!existing) return new Map();
    return refreshReads(model, writer, existing, box, events, options);
  });
}

/** Changes the instance count of a scaling group or node (`hybrid scale`), then deploys. */
export async function scale(model: DeploymentModel, entity: string, count: { absolute?: number; delta?: number }, options: DeployOptions): Promise<DeployResult> {
  const group = model.groups.get(entity);
  const node = model.nodes.get(entity);
  if (!group && !node) {
    const known = [...model.groups.keys(), ...[...model.nodes.values()].filter((n) => !n.group && !n.host).map((n) => n.name)].sort();
    throw new HybridError(ErrorCode.UsageError, `'${entity}' is neither a scaling group nor a top-level node of stack '${model.stack}' (scalable: ${known.join(', ') || 'none'})`);
  }
  if (node && (node.group || node.host)) {
    throw new HybridError(ErrorCode.UsageError, `node '${entity}' scales with ${node.group ? `its group '${node.group}'` : `its host '${node.host}'`}; scale that instead`);
  }
  const limits = group ?? node!.scalable;
  const blueprintDefault = group ? group.default : node!.scalable.default;
  const existing = await options.store.load();
  const current = existing?.scaling[entity]?.blueprintDefault === blueprintDefault ? existing.scaling[entity].count : blueprintDefault;
  const target = count.absolute ?? current + (count.delta ?? 0);
  if (!Number.isInteger(target) || target < limits.min || (limits.max !== -1 && target > limits.max)) {
    throw new HybridError(ErrorCode.UsageError, `cannot scale '${entity}' to ${target}: it allows ${limits.min} to ${limits.max === -1 ? 'unbounded' : limits.max} instances`);
  }
  // The requested count lives in state, so later deploys keep it until the blueprint default changes.
  await withState('scale', model, options, async (writer, snapshot) => {
    if (!snapshot) await writer.compact();
    await writer.record({ kind: 'meta', scaling: { ...(snapshot?.scaling ?? {}), [entity]: { count: target, blueprintDefault } } }, true);
    await writer.compact();
  });
  return deploy(model, options);
}

/**
 * Reinstalls unhealthy instances and everything contained in them (`hybrid heal`). With an
 * instance id it heals that instance's host subgraph; without, it reads every instance and heals
 * those that are gone or drifted.
 */
export async function heal(model: DeploymentModel, instance: string | undefined, options: DeployOptions): Promise<DeployResult> {
  const state = await options.store.load();
  if (!state) throw new HybridError(ErrorCode.UsageError, `stack '${model.stack}' has no state: deploy it first`);
  let targets: string[];
  if (instance) {
    const record = state.instances[instance];
    if (!record) throw new HybridError(ErrorCode.UsageError, `no instance '${instance}' in stack '${model.stack}' (see \`hybrid state list\`)`);
    let root = record;
    while (root.host && state.instances[root.host]) root = state.instances[root.host];
    targets = [root.id];
  } else {
    const observed = await refresh(model, options);
    targets = [...observed.entries()].filter(([, result]) => !result.exists || (result.drift ?? []).length > 0).map(([id]) => id);
  }
  // Everything contained in a healed instance is reinstalled with it.
  const forceReplace = new Set<string>();
  const add = (id: string) => {
    if (forceReplace.has(id)) return;
    forceReplace.add(id);
    for (const record of Object.values(state.instances)) if (record.host === id) add(record.id);
  };
  targets.forEach(add);
  return deploy(model, { ...options, forceReplace });
}

/** What `hybrid execute-operation` asks for (Cloudify's execute_operation parameters). */
export interface ExecuteOperationParams {
  /** The operation's full name: `cloudify.interfaces.lifecycle.start`, `maintenance.rotate_logs`. */
  readonly operation: string;
  /** Inputs given to the operation, over those the blueprint declares for it. @default - none */
  readonly kwargs?: { [name: string]: any };
  /** Let kwargs replace inputs the blueprint declares; otherwise such a kwarg is refused. @default false */
  readonly allowKwargsOverride?: boolean;
  /** Only instances of these nodes. @default - every node */
  readonly nodes?: ReadonlyArray<string>;
  /** Only these instances. @default - every instance */
  readonly instances?: ReadonlyArray<string>;
  /** Only instances whose node type is, or derives from, one of these. @default - every type */
  readonly types?: ReadonlyArray<string>;
  /** Run an instance after the chosen instances it depends on. @default false */
  readonly byDependencyOrder?: boolean;
}

export interface ExecuteOperationResult {
  readonly result: ApplyResult;
  /** Chosen instances whose node has no such operation (Cloudify skips them too). */
  readonly skipped: ReadonlyArray<string>;
}

/**
 * Runs one operation on chosen deployed instances (`hybrid execute-operation`, Cloudify's
 * execute_operation): the filters are ANDed, instances whose node lacks the operation are skipped,
 * and what the operation returns is recorded as runtime properties (and the outputs evaluated
 * again). Inputs resolve as for a deploy.
 */
export async function executeOperation(model: DeploymentModel, params: ExecuteOperationParams, options: WorkflowOptions): Promise<ExecuteOperationResult> {
  if (typeof params.operation !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(params.operation)) {
    throw new HybridError(ErrorCode.UsageError, `execute-operation needs the operation's full name, such as cloudify.interfaces.lifecycle.start or maintenance.rotate_logs, got ${JSON.stringify(params.operation)}`);
  }
  return withState('execute-operation', model, options, async (writer, existing, box, events) => {
    if (!existing) throw new HybridError(ErrorCode.UsageError, `stack '${model.stack}' has no state: deploy it first`);
    for (const name of params.nodes ?? []) {
      if (!model.nodes.has(name)) throw new HybridError(ErrorCode.UsageError, `--node ${name}: stack '${model.stack}' has no such node (nodes: ${[...model.nodes.keys()].sort().join(', ')})`);
    }
    for (const id of params.instances ?? []) {
      if (!existing.instances[id]) throw new HybridError(ErrorCode.UsageError, `--instance ${id}: no such instance in stack '${model.stack}' (see \`hybrid state list\`)`);
    }
    const records = Object.values(existing.instances).sort((a, b) => (a.id < b.id ? -1 : 1)).filter((record) => {
      const node = model.nodes.get(record.node);
      return (!params.nodes?.length || params.nodes.includes(record.node))
        && (!params.instances?.length || params.instances.includes(record.id))
        && (!params.types?.length || params.types.some((type) => (node?.typeHierarchy ?? [record.type]).includes(type)));
    });
    const targets: Array<{ instance: string; operation: ModelOperation }> = [];
    const skipped: string[] = [];
    for (const record of records) {
      const node = model.nodes.get(record.node);
      const operation = node ? nodeOperation(node, params.operation) : undefined;
      if (!operation) {
        skipped.push(record.id);
        continue;
      }
      const kwargs = params.kwargs ?? {};
      const overridden = Object.keys(kwargs).filter((name) => operation.inputs && name in operation.inputs);
      if (overridden.length > 0 && !params.allowKwargsOverride) {
        throw new HybridError(ErrorCode.UsageError, `${params.operation} of node ${record.node} declares the inputs ${overridden.join(', ')}: replace them with --allow-kwargs-override`);
      }
      targets.push({ instance: record.id, operation: { ...operation, inputs: { ...(operation.inputs ?? {}), ...kwargs } } });
    }
    if (targets.length === 0) {
      const having = [...model.nodes.values()].filter((node) => nodeOperation(node, params.operation)).map((node) => node.name).sort();
      throw new HybridError(
        ErrorCode.UsageError,
        `no chosen instance's node has the operation ${params.operation}${having.length ? ` (nodes that have it: ${having.join(', ')})` : '; no node of this stack defines it'}`,
      );
    }
    // The recorded instances, placed (host, unit) for get_attribute; no relationship operation runs here.
    const desired = new Map<string, DesiredInstance>(Object.values(existing.instances).map((record) => [record.id, {
      id: record.id, node: record.node, index: record.index, ...(record.host ? { host: record.host } : {}), ...(record.unit ? { unit: record.unit } : {}),
      relationships: [],
    }]));
    // The inputs as a deploy resolves them (secrets included), not state's masked record of them.
    const inputs = resolveInputs(model, options.inputs ?? {}, options.secrets ?? environmentSecrets(options.environment), events.redactor);
    const context: PlanContext = { model, inputs, desired, state: existing };
    const result = await runOperation(context, applyOptions(options, writer, box, events), { operation: params.operation, targets, byDependencyOrder: params.byDependencyOrder });
    // Outputs read runtime properties the operation may have changed.
    await writer.record({ kind: 'meta', outputs: evaluateOutputs(model, context, writer, box, events, options) }, false);
    return { result, skipped };
  });
}
