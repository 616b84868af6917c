import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, HybridError } from '../../core/errors';
import type { Plan } from '../../engine/plan-types';
import { planHasChanges, planIsDestructive } from '../../engine/plan-types';
import { deploy, diff, DeployResult } from '../../engine/workflows';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';
import { defaultRegistry } from '../providers';
import { renderPlan, summaryLine } from '../render';
import { interruptSignal, loadStackContext, newEventBus, STACK_FLAGS } from '../stack-context';

export const HELP = `hybrid diff    [--blueprint f | --app f] [--stack s] [--input k=v]... [--inputs f] [--secrets-file f] [--json] [--detailed-exitcode] [--no-refresh] [--out plan.json]
hybrid deploy  [same flags] [--yes] [--plan-file plan.json] [--concurrency 10] [--timeout seconds] [--no-typecheck]
hybrid destroy [same flags] [--yes]`;

const RUN_FLAGS = [...STACK_FLAGS, 'yes', 'concurrency', 'timeout', 'refresh', 'no-refresh', 'force-conflicts'];

/** `hybrid diff`: prints the plan; with --detailed-exitcode exits 0 (no changes) or 2 (changes). */
export async function runDiff(args: ParsedArgs, cwd: string): Promise<number> {
  const flags = new Flags(args, [...RUN_FLAGS, 'detailed-exitcode', 'out', 'destroy']);
  const out = new Output(flags.boolean('json'), flags.boolean('quiet'));
  const context = await loadStackContext(cwd, flags, out, { typecheckByDefault: false });
  const registry = defaultRegistry();
  const plan = await diff(context.model, {
    store: context.store,
    registry,
    events: newEventBus(out),
    inputs: context.inputs,
    secrets: context.secrets,
    workDirectory: path.join(context.stateDirectory, 'work'),
    refresh: !flags.boolean('no-refresh'),
    destroy: flags.boolean('destroy'),
    concurrency: flags.integer('concurrency', 1),
  }).finally(() => registry.closeAll());
  const outFile = flags.string('out');
  if (outFile) fs.writeFileSync(path.resolve(cwd, outFile), JSON.stringify({ plan, inputs: context.inputs }, null, 2) + '\n', { mode: 0o600 });
  if (out.json) out.data({ type: 'plan', plan });
  else out.result(renderPlan(plan, out.style));
  return flags.boolean('detailed-exitcode') && planHasChanges(plan) ? 2 : 0;
}

export async function runDeploy(args: ParsedArgs, cwd: string): Promise<number> {
  return apply(args, cwd, false);
}

export async function runDestroy(args: ParsedArgs, cwd: string): Promise<number> {
  return apply(args, cwd, true);
}

async function apply(args: ParsedArgs, cwd: string, destroy: boolean): Promise<number> {
  const flags = new Flags(args, [...RUN_FLAGS, 'plan-file']);
  const out = new Output(flags.boolean('json'), flags.boolean('quiet'));
  let expectedPlan: Plan | undefined;
  let savedInputs: { [name: string]: any } | undefined;
  const planFile = flags.string('plan-file');
  if (planFile) {
    const saved = JSON.parse(fs.readFileSync(path.resolve(cwd, planFile), 'utf8'));
    expectedPlan = saved.plan;
    savedInputs = saved.inputs;
  }
  const context = await loadStackContext(cwd, flags, out, { typecheckByDefault: !destroy && !flags.string('blueprint') });
  // Taking over fields another manager owns is the Kubernetes provider's business; it reads this.
  if (flags.boolean('force-conflicts')) process.env.HYBRID_KUBERNETES_FORCE_CONFLICTS = '1';
  const yes = flags.boolean('yes') || Boolean(expectedPlan);
  const interrupt = interruptSignal(out);
  const registry = defaultRegistry();
  let result: DeployResult;
  try {
    result = await deploy(context.model, {
      store: context.store,
      registry,
      events: newEventBus(out),
      inputs: savedInputs ?? context.inputs,
      secrets: context.secrets,
      workDirectory: path.join(context.stateDirectory, 'work'),
      concurrency: flags.integer('concurrency', 1) ?? 10,
      defaultTimeoutMs: (flags.integer('timeout', 1) ?? 600) * 1000,
      refresh: flags.boolean('refresh'),
      signal: interrupt.signal,
      destroy,
      expectedPlan,
      confirm: async (plan) => {
        if (out.json) out.data({ type: 'plan', plan });
        else out.result(renderPlan(plan, out.style));
        if (yes || !planIsDestructive(plan)) return true;
        if (!process.stdin.isTTY) {
          throw new HybridError(ErrorCode.ConfirmationRequired, `the plan ${destroy ? 'destroys' : 'deletes or replaces'} ${plan.summary.delete + plan.summary.replace} instance(s) and there is no terminal to ask: re-run with --yes`);
        }
        return out.confirm(destroy ? `Destroy everything in stack '${plan.stack}'?` : 'Apply these changes, including the deletions and replacements?');
      },
    });
  } finally {
    interrupt.dispose();
    await registry.closeAll();
  }
  if (!result.applied) {
    if (!planHasChanges(result.plan)) out.result(renderPlan(result.plan, out.style));
    else out.result('Nothing was changed.');
    out.data({ type: 'result', applied: false, summary: result.plan.summary });
    return 0;
  }
  const applied = result.result!;
  out.data({ type: 'result', applied: true, ...applied, outputs: undefined });
  if (applied.failed > 0 || applied.cancelled > 0 || applied.skipped > 0) {
    const causes = applied.rootCauses.map((cause) => `  ${cause.instance} (${cause.action}): ${cause.message}`).join('\n');
    throw new HybridError(
      ErrorCode.DeployFailed,
      `${destroy ? 'destroy' : 'deploy'} of stack '${result.plan.stack}' failed: ${applied.failed} failed, ${applied.skipped + applied.cancelled} not run, ${applied.succeeded} done.\nRoot causes:\n${causes || '  (interrupted)'}`,
    );
  }
  out.result(`${destroy ? 'Destroyed' : 'Deployed'} stack '${result.plan.stack}': ${summaryLine(result.plan).replace('Plan: ', '')} (${(applied.durationMs / 1000).toFixed(1)} s)`);
  if (!destroy) {
    for (const [name, value] of Object.entries(result.outputs)) out.result(`  ${name} = ${typeof value === 'object' && value && '$encrypted' in value ? '(secret)' : JSON.stringify(value)}`);
  }
  return 0;
}
