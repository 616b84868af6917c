import * as path from 'path';
import { ErrorCode, HybridError } from '../../core/errors';
import { executeOperation, heal, refresh, scale } from '../../engine/workflows';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';
import { defaultRegistry } from '../providers';
import { renderPlan } from '../render';
import { interruptSignal, loadStackContext, newEventBus, STACK_FLAGS } from '../stack-context';

export const HELP = `hybrid scale <group-or-node> (--count N | --delta ±N) [--yes] [stack flags]
hybrid heal [instance] [--yes] [stack flags]
hybrid refresh [stack flags]
hybrid execute-operation <interface.operation> [--node n]... [--instance i]... [--type t]... [--kwargs '{"k": "v"}'] [--allow-kwargs-override] [--by-dependency-order] [stack flags]
  scale changes a scaling group's units (or a node's instances) and deploys the difference;
  heal reinstalls an instance with everything contained in it (or every instance found gone or drifted);
  refresh reads every resource and reports drift without changing anything;
  execute-operation runs an operation (full name, e.g. cloudify.interfaces.lifecycle.start) on the
  deployed instances the filters choose (ANDed); instances whose node lacks it are skipped.`;

/** Runs a command's work and closes provider connections however it ends. */
async function closing<T>(registry: { closeAll(): Promise<void> }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await registry.closeAll();
  }
}

async function common(args: ParsedArgs, cwd: string, extra: string[]) {
  const flags = new Flags(args, [...STACK_FLAGS, 'yes', 'concurrency', 'timeout', ...extra]);
  const out = new Output(flags.boolean('json'), flags.boolean('quiet'));
  const context = await loadStackContext(cwd, flags, out, { typecheckByDefault: false });
  const registry = defaultRegistry();
  const options = {
    store: context.store,
    registry,
    events: newEventBus(out),
    inputs: context.inputs,
    secrets: context.secrets,
    workDirectory: path.join(context.stateDirectory, 'work'),
    concurrency: flags.integer('concurrency', 1) ?? 10,
    defaultTimeoutMs: (flags.integer('timeout', 1) ?? 600) * 1000,
  };
  return { flags, out, context, options };
}

export async function runScale(args: ParsedArgs, cwd: string): Promise<number> {
  const { flags, out, context, options } = await common(args, cwd, ['count', 'delta']);
  const entity = args.positionals[0];
  if (!entity) throw new HybridError(ErrorCode.UsageError, 'hybrid scale needs the scaling group or node name');
  const absolute = flags.integer('count', 0);
  const deltaText = flags.string('delta');
  if ((absolute === undefined) === (deltaText === undefined)) throw new HybridError(ErrorCode.UsageError, 'hybrid scale takes exactly one of --count N or --delta ±N');
  if (deltaText !== undefined && !/^[+-]?\d+$/.test(deltaText)) throw new HybridError(ErrorCode.UsageError, `--delta must be a whole number like +1 or -2, got ${deltaText}`);
  const interrupt = interruptSignal(out);
  try {
    const result = await closing(options.registry, () => scale(context.model, entity, { absolute, delta: deltaText === undefined ? undefined : Number(deltaText) }, {
      ...options,
      signal: interrupt.signal,
      confirm: async (plan) => {
        out.result(renderPlan(plan, out.style));
        return flags.boolean('yes') || plan.summary.delete === 0 || (process.stdin.isTTY ? out.confirm('Remove these instances?') : Promise.reject(new HybridError(ErrorCode.ConfirmationRequired, 'scaling in deletes instances: re-run with --yes')));
      },
    }));
    return report(result.result, out, 'scale');
  } finally {
    interrupt.dispose();
  }
}

export async function runHeal(args: ParsedArgs, cwd: string): Promise<number> {
  const { flags, out, context, options } = await common(args, cwd, []);
  const interrupt = interruptSignal(out);
  try {
    const result = await closing(options.registry, () => heal(context.model, args.positionals[0], {
      ...options,
      signal: interrupt.signal,
      confirm: async (plan) => {
        out.result(renderPlan(plan, out.style));
        return flags.boolean('yes') || (process.stdin.isTTY ? out.confirm('Reinstall these instances?') : Promise.reject(new HybridError(ErrorCode.ConfirmationRequired, 'healing reinstalls instances: re-run with --yes')));
      },
    }));
    if (!result.applied) out.result('Nothing to heal.');
    return report(result.result, out, 'heal');
  } finally {
    interrupt.dispose();
  }
}

export async function runRefresh(args: ParsedArgs, cwd: string): Promise<number> {
  const { out, context, options } = await common(args, cwd, []);
  const observed = await closing(options.registry, () => refresh(context.model, options));
  let drifted = 0;
  for (const [id, result] of [...observed.entries()].sort()) {
    if (!result.exists) {
      drifted++;
      out.result(`${id}: gone`);
    } else if ((result.drift ?? []).length > 0) {
      drifted++;
      out.result(`${id}: drifted: ${result.drift!.join('; ')}`);
    }
  }
  out.data({ type: 'refresh', read: observed.size, drifted });
  out.result(drifted === 0 ? `All ${observed.size} readable instances match what hybrid applied.` : `${drifted} of ${observed.size} readable instances drifted; \`hybrid deploy\` puts them back.`);
  return 0;
}

export async function runExecuteOperation(args: ParsedArgs, cwd: string): Promise<number> {
  const { flags, out, context, options } = await common(args, cwd, ['node', 'instance', 'type', 'kwargs', 'allow-kwargs-override', 'by-dependency-order']);
  const operation = args.positionals[0];
  if (!operation) throw new HybridError(ErrorCode.UsageError, 'hybrid execute-operation needs the operation, such as cloudify.interfaces.lifecycle.start');
  let kwargs: { [name: string]: any } = {};
  const kwargsText = flags.string('kwargs');
  if (kwargsText !== undefined) {
    try {
      kwargs = JSON.parse(kwargsText);
    } catch (error) {
      throw new HybridError(ErrorCode.UsageError, `--kwargs must be a JSON object such as '{"lines": 100}': ${(error as Error).message}`);
    }
    if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new HybridError(ErrorCode.UsageError, `--kwargs must be a JSON object such as '{"lines": 100}', got ${kwargsText}`);
  }
  const interrupt = interruptSignal(out);
  try {
    const { result, skipped } = await closing(options.registry, () => executeOperation(context.model, {
      operation,
      kwargs,
      allowKwargsOverride: flags.boolean('allow-kwargs-override'),
      nodes: flags.all('node'),
      instances: flags.all('instance'),
      types: flags.all('type'),
      byDependencyOrder: flags.boolean('by-dependency-order'),
    }, { ...options, signal: interrupt.signal }));
    out.data({ type: 'execute-operation', operation, succeeded: result.succeeded, failed: result.failed, skipped });
    if (skipped.length > 0) out.result(`skipped (no ${operation}): ${skipped.join(', ')}`);
    return report(result, out, `${operation} on ${result.succeeded + result.failed + result.skipped + result.cancelled} instances`);
  } finally {
    interrupt.dispose();
  }
}

function report(result: { failed: number; skipped: number; cancelled: number; rootCauses: ReadonlyArray<{ instance: string; message: string }> } | undefined, out: Output, what: string): number {
  if (!result) return 0;
  if (result.failed + result.skipped + result.cancelled > 0) {
    throw new HybridError(ErrorCode.DeployFailed, `${what} failed:\n${result.rootCauses.map((c) => `  ${c.instance}: ${c.message}`).join('\n') || '  (interrupted)'}`);
  }
  out.result(`${what} done.`);
  return 0;
}
