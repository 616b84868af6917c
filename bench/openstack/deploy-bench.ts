/**
 * Deploy (and destroy) of a 50-server network on the real test cloud, in process: the program is
 * synthesized, planned and applied by the engine with the real OpenStack provider. Reports wall
 * time next to the critical path (the longest chain of dependent steps, by their measured
 * durations: no schedule can beat it) and the API calls each kind of resource cost.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from '../../lib/core/app';
import { builtinCatalogue } from '../../lib/core/types';
import { EventBus } from '../../lib/engine/events';
import { buildModel } from '../../lib/engine/model';
import type { Plan } from '../../lib/engine/plan-types';
import { OperationContext, Provider, ProviderRegistry } from '../../lib/engine/provider';
import { FileStateStore } from '../../lib/engine/state/file-store';
import { deploy } from '../../lib/engine/workflows';
import { openstackProvider } from '../../lib/providers/openstack';
import type { RequestRecord } from '../../lib/providers/openstack/client/client';
import { OpenStackNetwork, OpenStackServer } from '../../constructs/openstack';
import { synthesizeStack } from '../../synth/synthesize';
import { inventory, startOpenStack } from '../../test/support/openstack/cloud';

export interface BenchOptions {
  readonly servers: number;
  readonly concurrency: number;
  readonly json: boolean;
}

interface Phase {
  readonly wallMs: number;
  readonly criticalPathMs: number;
  readonly workMs: number;
  readonly calls: number;
  /** Per node type: instances, API calls, calls per instance, mean step time. */
  readonly perType: Array<{ type: string; instances: number; calls: number; callsPerInstance: number; meanStepMs: number }>;
  readonly failed: number;
}

function program(servers: number): Stack {
  const app = new App();
  const stack = new Stack(app, 'bench');
  const network = new OpenStackNetwork(stack, 'Net', { cidr: '10.50.0.0/22' });
  for (let index = 0; index < servers; index++) {
    new OpenStackServer(stack, `Vm${index}`, { network, image: 'cirros', flavor: 'm1.nano', floatingIp: true });
  }
  return stack;
}

/** Budgets (BUDGET.md). */
const BUDGET = { serverCallsPerInstance: 6, scheduleOverIdeal: 0.15 };

/** Longest path through the plan's dependency graph, weighting each step by its measured time. */
function criticalPath(plan: Plan, durations: Map<string, number>): number {
  const memo = new Map<string, number>();
  const finish = (id: string): number => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const step = plan.steps.find((candidate) => candidate.instance === id);
    // A create waits for what it depends on; a delete's dependsOn lists its dependents: one rule for both.
    const before = step ? step.dependsOn : [];
    const value = (durations.get(id) ?? 0) + Math.max(0, ...before.map(finish));
    memo.set(id, value);
    return value;
  };
  return Math.max(0, ...plan.steps.map((step) => finish(step.instance)));
}

async function run(stack: Stack, options: BenchOptions, env: { [name: string]: string }, directory: string, destroy: boolean): Promise<Phase> {
  const blueprint = synthesizeStack(stack).blueprint;
  const model = buildModel(blueprint as any, builtinCatalogue(), directory, 'bench');
  const scope = new AsyncLocalStorage<string>();
  const calls = new Map<string, number>();
  let total = 0;
  const onRequest = (_record: RequestRecord) => {
    total++;
    const type = scope.getStore() ?? '(none)';
    calls.set(type, (calls.get(type) ?? 0) + 1);
  };
  const provider = openstackProvider({ env, client: { onRequest } });
  // Each operation runs in a context naming its node type, so API calls are counted per resource.
  const wrapped: Provider = {
    ...provider,
    operations: Object.fromEntries(Object.entries(provider.operations).map(([name, handler]) => [name, (context: OperationContext) => scope.run(context.instance.type, () => handler(context))])) as any,
  };
  const events = new EventBus();
  const durations = new Map<string, number>();
  const typeOf = new Map<string, string>();
  let plan: Plan | undefined;
  let failed = 0;
  events.on((event) => {
    if (event.type === 'plan-ready') plan = event.plan;
    if (event.type === 'step-finished') durations.set(event.instance, (durations.get(event.instance) ?? 0) + event.durationMs);
    if (event.type === 'step-failed') {
      failed++;
      process.stderr.write(`  ${event.instance}: ${event.error}\n`);
    }
  });
  const started = Date.now();
  await deploy(model, {
    store: new FileStateStore(path.join(directory, '.hybrid', 'bench')),
    registry: new ProviderRegistry().register(wrapped),
    events,
    workDirectory: path.join(directory, '.hybrid', 'bench', 'work'),
    concurrency: options.concurrency,
    destroy,
  });
  const wallMs = Date.now() - started;
  await wrapped.close?.();
  for (const step of plan?.steps ?? []) typeOf.set(step.instance, step.type);
  const perType = [...new Set(typeOf.values())].sort().map((type) => {
    const instances = [...typeOf.values()].filter((candidate) => candidate === type).length;
    const stepTimes = [...typeOf.entries()].filter(([, candidate]) => candidate === type).map(([id]) => durations.get(id) ?? 0);
    const typeCalls = calls.get(type) ?? 0;
    return { type: type.replace('hybrid.nodes.openstack.', ''), instances, calls: typeCalls, callsPerInstance: Math.round((typeCalls / instances) * 10) / 10, meanStepMs: Math.round(stepTimes.reduce((a, b) => a + b, 0) / instances) };
  });
  return {
    wallMs,
    criticalPathMs: plan ? criticalPath(plan, durations) : 0,
    workMs: [...durations.values()].reduce((a, b) => a + b, 0),
    calls: total,
    perType,
    failed,
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The best any schedule could do: the critical path, or all the work spread over the concurrency. */
function ideal(phase: Phase, concurrency: number): number {
  return Math.max(phase.criticalPathMs, phase.workMs / concurrency);
}

function report(name: string, phase: Phase, concurrency: number): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  return [
    `${name}: wall ${seconds(phase.wallMs)} s, critical path ${seconds(phase.criticalPathMs)} s, total step time ${seconds(phase.workMs)} s ` +
      `(ideal at concurrency ${concurrency}: ${seconds(ideal(phase, concurrency))} s, wall/ideal ${(phase.wallMs / ideal(phase, concurrency)).toFixed(2)}), ${phase.calls} API calls${phase.failed ? `, ${phase.failed} FAILED` : ''}`,
    table(['resource', 'instances', 'API calls', 'calls/instance', 'mean step s'], phase.perType.map((row) => [row.type, String(row.instances), String(row.calls), String(row.callsPerInstance), seconds(row.meanStepMs)])),
  ].join('\n');
}

export async function main(options: BenchOptions): Promise<boolean> {
  const cloud = await startOpenStack();
  const project = await cloud.project('bench', {
    quotas: {
      compute: { instances: options.servers + 10, cores: options.servers + 10, ram: (options.servers + 10) * 512 },
      network: { port: options.servers * 2 + 20, floatingip: options.servers + 10 },
    },
  });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-openstack-bench-'));
  const api = project.client();
  try {
    const stack = program(options.servers);
    const up = await run(stack, options, project.env, directory, false);
    const servers = (await inventory(api)).servers.length;
    const down = await run(stack, options, project.env, directory, true);
    const left = Object.values(await inventory(api)).flat().length;
    const result = {
      date: new Date().toISOString(), host: { cpus: os.cpus().length, load: os.loadavg()[0] },
      servers: options.servers, concurrency: options.concurrency, bringUpSeconds: cloud.bringUpSeconds, deploy: up, destroy: down, serversSeen: servers, resourcesLeft: left,
    };
    const results = path.resolve(__dirname, '..', 'results');
    fs.mkdirSync(results, { recursive: true });
    fs.writeFileSync(path.join(results, 'openstack-latest.json'), JSON.stringify(result, null, 2) + '\n');
    if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      process.stdout.write(`OpenStack deploy benchmark: ${options.servers} servers (each with a port and a floating IP) on one network, concurrency ${options.concurrency}, load ${os.loadavg()[0].toFixed(1)}\n\n`);
      process.stdout.write(report('deploy', up, options.concurrency) + '\n\n' + report('destroy', down, options.concurrency) + '\n\n');
      process.stdout.write(`servers seen after deploy: ${servers}; resources left after destroy: ${left}\n`);
    }
    const serverCalls = up.perType.find((row) => row.type === 'Server')?.callsPerInstance ?? 0;
    const withinBudget = serverCalls <= BUDGET.serverCallsPerInstance && [up, down].every((phase) => phase.wallMs <= ideal(phase, options.concurrency) * (1 + BUDGET.scheduleOverIdeal));
    if (!options.json) process.stdout.write(`budget (BUDGET.md): server API calls/instance ${serverCalls} <= ${BUDGET.serverCallsPerInstance}, wall <= ideal x ${1 + BUDGET.scheduleOverIdeal}: ${withinBudget ? 'within' : 'EXCEEDED'}\n`);
    return withinBudget && up.failed === 0 && down.failed === 0 && servers === options.servers && left === 0;
  } finally {
    api.close();
    await cloud.cleanup();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
