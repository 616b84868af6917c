import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventBus } from '../../lib/engine/events';
import { buildModel, DeploymentModel } from '../../lib/engine/model';
import { plan } from '../../lib/engine/plan';
import { ProviderRegistry } from '../../lib/engine/provider';
import { SecretBox } from '../../lib/engine/secret-box';
import { FileStateStore } from '../../lib/engine/state/file-store';
import type { StateSnapshot } from '../../lib/engine/state/types';
import { deploy, diff } from '../../lib/engine/workflows';
import { builtinCatalogue } from '../../lib/core/types';
import { temporaryDirectory } from '../../test/engine/support/fixtures';
import { RecordingWorld, recordingProvider } from '../../test/engine/support/recording-provider';
import { benchBlueprint } from './workload';

/** Budgets (BUDGET.md), in seconds, for about 10,000 instances. */
const BUDGET = { planNoState: 0.5, planFullState: 0.5, diff: 0.5 };

interface Measurement {
  readonly name: string;
  /** Wall time of the first (cold) run. */
  readonly firstMs: number;
  /** CPU time (user + system, all threads) of the first run. */
  readonly firstCpuMs: number;
  /** The fastest run's wall time: the estimate least disturbed by other work on the machine, which the budget is checked against. */
  readonly bestMs: number;
  /** Median wall time of all runs. */
  readonly medianMs: number;
  readonly budgetMs?: number;
}

/** A text table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function measure(name: string, runs: number, work: () => unknown, budgetSeconds?: number): Promise<Measurement> {
  const times: number[] = [];
  let firstCpuMs = 0;
  for (let run = 0; run < runs; run++) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (run === 0) {
      const used = process.cpuUsage(cpu);
      firstCpuMs = (used.user + used.system) / 1000;
    }
  }
  return { name, firstMs: times[0], firstCpuMs, bestMs: Math.min(...times), medianMs: median(times), ...(budgetSeconds ? { budgetMs: budgetSeconds * 1000 } : {}) };
}

export async function main(options: { units: number; runs: number; json: boolean }): Promise<boolean> {
  const directory = temporaryDirectory('hybrid-bench-plan-');
  try {
    const blueprint = benchBlueprint(options.units);
    const catalogue = builtinCatalogue().clone().add({ node_types: blueprint.node_types, relationships: blueprint.relationships }, 'bench');
    let model!: DeploymentModel;
    const results: Measurement[] = [];
    results.push(await measure('build model', options.runs, () => (model = buildModel(blueprint, catalogue, directory, 'bench'))));

    const environment = { HYBRID_HOME: path.join(directory, 'home') };
    const worldOptions = { worldFile: path.join(directory, 'world.ndjson'), inMemory: true };
    const registry = new ProviderRegistry().register(recordingProvider(new RecordingWorld(worldOptions), worldOptions));
    const planOptions = () => ({ inputs: {}, secrets: { get: () => undefined }, redactor: new EventBus().redactor, box: SecretBox.forLineage('bench', environment), registry });
    let instances = 0;
    results.push(await measure('plan, no state (all create)', options.runs, () => {
      instances = plan(model, undefined, planOptions()).plan.steps.length;
    }, BUDGET.planNoState));

    const store = new FileStateStore(path.join(directory, '.hybrid', 'bench'));
    const workflowOptions = { store, registry, workDirectory: path.join(directory, 'work'), environment, concurrency: 50 };
    const deployStarted = Date.now();
    const deployed = await deploy(model, workflowOptions);
    const deployMs = Date.now() - deployStarted;
    if (deployed.result?.failed) throw new Error(`the deployment the plan is measured against failed: ${deployed.result.rootCauses[0]?.message}`);
    const state = (await store.load()) as StateSnapshot;

    let same = 0;
    results.push(await measure('plan, deployed state (all same)', options.runs, () => {
      same = plan(model, state, planOptions()).plan.summary.same;
    }, BUDGET.planFullState));
    results.push(await measure('diff workflow (lock, load, plan)', options.runs, () => diff(model, workflowOptions), BUDGET.diff));
    if (same !== instances) throw new Error(`the plan against deployed state should be all same: ${same} of ${instances}`);

    const stateBytes = fs.statSync(path.join(store.directory, 'state.json')).size;
    const withinBudget = results.every((result) => result.budgetMs === undefined || result.bestMs <= result.budgetMs);
    if (options.json) {
      process.stdout.write(JSON.stringify({ instances, nodeTemplates: model.nodes.size, results, deployMs, stateBytes, withinBudget }, null, 2) + '\n');
    } else {
      const rows = results.map((result) => [
        result.name, result.firstMs.toFixed(0), result.firstCpuMs.toFixed(0), result.bestMs.toFixed(0), result.medianMs.toFixed(0),
        result.budgetMs === undefined ? '' : `${result.budgetMs.toFixed(0)}${result.bestMs <= result.budgetMs ? ' met' : ' OVER'}`,
      ]);
      const header = ['step', 'first (cold) ms', 'first CPU ms', `best of ${options.runs} ms`, 'median ms', 'budget ms (best)'];
      process.stdout.write(`plan benchmark: ${instances} instances from ${model.nodes.size} node templates (node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)\n\n`);
      process.stdout.write(table(header, rows) + '\n\n');
      process.stdout.write(`state of the deployment: ${(stateBytes / 1024 / 1024).toFixed(1)} MiB; deploying it took ${(deployMs / 1000).toFixed(1)} s (concurrency 50, zero-latency provider)\n`);
    }
    return withinBudget;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
