#!/usr/bin/env node
'use strict';
/**
 * Synth benchmark (see BUDGET.md). Generates the same workload at several sizes as a hybrid
 * program, a cdk8s program and plain objects + js-yaml, then measures each in fresh processes:
 * program-only time (construct creation + synth + YAML, module loading excluded) and peak RSS.
 * Prints a table, writes bench/results/synth-<time>.json and bench/results/synth-latest.json.
 *
 * Usage: node bench/synth/run.js [--sizes 100,1000,10000] [--runs 5] [--no-cdk8s] [--strict]
 *                                [--e2e] [--profile N]
 *   --strict     exit 1 when a budget is exceeded
 *   --e2e        also time the CLI end to end on the generated hybrid projects (the hook for
 *                `hybrid synth`; skipped with a note while the CLI is not built)
 *   --profile N  write a V8 CPU profile of one hybrid run of size N to bench/results/
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { generate } = require('./generate');

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const APPS = path.join(RESULTS, 'synth-apps');
const CDK8S_DIR = path.join(__dirname, 'cdk8s-workload');
const HARNESS = path.join(__dirname, 'harness.js');

/** Budgets from BUDGET.md, checked for the hybrid program-only workload. */
const BUDGET = { 10000: { seconds: 1.0, rssMiB: 250 } };
/** Budgets of the end-to-end CLI hook (BUDGET.md). */
const E2E_BUDGET = { bin: 0.6, npx: 0.8, version: 0.15 };

function parseArgs(argv) {
  const options = { sizes: [100, 1000, 10000], runs: 5, cdk8s: true, strict: false, e2e: false, profile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--sizes') options.sizes = argv[++i].split(',').map(Number);
    else if (flag === '--runs') options.runs = Number(argv[++i]);
    else if (flag === '--no-cdk8s') options.cdk8s = false;
    else if (flag === '--strict') options.strict = true;
    else if (flag === '--e2e') options.e2e = true;
    else if (flag === '--profile') options.profile = Number(argv[++i]);
    else throw new Error(`unknown flag ${flag}; see the usage at the top of bench/synth/run.js`);
  }
  return options;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function ensureCdk8s() {
  if (fs.existsSync(path.join(CDK8S_DIR, 'node_modules', 'cdk8s', 'package.json'))) return true;
  process.stdout.write('installing cdk8s into bench/synth/cdk8s-workload (npm install --no-save) ...\n');
  const result = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: CDK8S_DIR, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write('cdk8s could not be installed; its columns are skipped\n');
    return false;
  }
  return true;
}

/** The entry each workload is measured through; module loading happens before `measure()`. */
/** CPU time (user + system, all threads, so GC helpers count) since `start`, in ms. */
const CPU_HELPER = 'function cpuMs(start: NodeJS.CpuUsage): number { const used = process.cpuUsage(start); return (used.user + used.system) / 1000; }';

const ENTRIES = {
  hybrid: (dir) => `
import { performance } from 'perf_hooks';
import { App } from ${JSON.stringify(path.join(ROOT, 'lib/core/app'))};
import { synthesizeApp } from ${JSON.stringify(path.join(ROOT, 'synth/synthesize'))};
export function measure() {
  App.resetCreated();
  const cpu = process.cpuUsage();
  const start = performance.now();
  require(${JSON.stringify(path.join(dir, 'main'))});
  const programMs = performance.now() - start;
  const stacks = App.created().flatMap((app) => synthesizeApp(app));
  const ms = performance.now() - start;
  let bytes = 0;
  for (const stack of stacks) for (const file of Object.values(stack.files)) bytes += file.length;
  return { ms, cpuMs: cpuMs(cpu), programMs, bytes, templates: stacks.reduce((n, s) => n + Object.keys(s.blueprint.node_templates).length, 0) };
}`,
  cdk8s: (dir) => `
import { performance } from 'perf_hooks';
import 'cdk8s';
export function measure() {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { app } = require(${JSON.stringify(path.join(dir, 'main'))});
  const programMs = performance.now() - start;
  const yaml = app.synthYaml();
  return { ms: performance.now() - start, cpuMs: cpuMs(cpu), programMs, bytes: yaml.length, templates: (yaml.match(/^kind: Deployment$/gm) || []).length };
}`,
  plain: (dir) => `
import { performance } from 'perf_hooks';
import 'js-yaml';
export function measure() {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const synth = require(${JSON.stringify(path.join(dir, 'main'))}).synth;
  const programMs = performance.now() - start;
  const yaml = synth();
  return { ms: performance.now() - start, cpuMs: cpuMs(cpu), programMs, bytes: yaml.length, templates: (yaml.match(/^  tier\\d+-service\\d+:$/gm) || []).length };
}`,
};

/** Bundles a workload's entry with esbuild (TypeScript → one CommonJS file); returns its path. */
function bundle(kind, dir) {
  const entry = path.join(dir, 'measure.ts');
  fs.writeFileSync(entry, ENTRIES[kind](dir) + '\n' + CPU_HELPER + '\n');
  const outfile = path.join(dir, 'measure.bundle.js');
  require('esbuild').buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    alias: { 'hybrid-iac': path.join(ROOT, 'constructs', 'index.ts') },
    external: ['constructs', 'js-yaml', 'cdk8s'],
  });
  return outfile;
}

function runOnce(bundlePath, kind, extraNodeArgs = []) {
  const nodePath = [path.join(ROOT, 'node_modules'), ...(kind === 'cdk8s' ? [path.join(CDK8S_DIR, 'node_modules')] : [])];
  // cdk8s must load its own constructs; hybrid and plain load the repository's.
  const env = { ...process.env, NODE_PATH: (kind === 'cdk8s' ? nodePath.reverse() : nodePath).join(path.delimiter) };
  const result = spawnSync(process.execPath, [...extraNodeArgs, HARNESS, bundlePath], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${kind} run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/**
 * Measures the workloads of one size, interleaved run by run (hybrid, cdk8s, plain, hybrid, ...),
 * so that load from other processes on a shared machine falls on all of them alike.
 */
function measureSize(size, dirs, kinds, runs) {
  const bundles = kinds.map((kind) => [kind, bundle(kind, dirs[kind])]);
  for (const [kind, bundlePath] of bundles) runOnce(bundlePath, kind); // warm the file cache; not counted
  const samples = new Map(kinds.map((kind) => [kind, []]));
  for (let i = 0; i < runs; i++) for (const [kind, bundlePath] of bundles) samples.get(kind).push(runOnce(bundlePath, kind));
  return kinds.map((kind) => summarize(kind, size, samples.get(kind)));
}

function summarize(kind, size, samples) {
  const seconds = samples.map((s) => s.ms / 1000);
  const rss = samples.map((s) => s.maxRssKiB / 1024);
  return {
    workload: kind,
    size,
    templates: samples[0].templates,
    medianSeconds: median(seconds),
    minSeconds: Math.min(...seconds),
    maxSeconds: Math.max(...seconds),
    medianProgramSeconds: median(samples.map((s) => s.programMs / 1000)),
    medianCpuSeconds: median(samples.map((s) => s.cpuMs / 1000)),
    medianPeakRssMiB: median(rss),
    maxPeakRssMiB: Math.max(...rss),
    outputBytes: samples[0].bytes,
    runs: samples.length,
  };
}

/** The end-to-end hook: times the CLI as a user runs it, when it is built. */
function measureEndToEnd(size, dir, runs) {
  const bin = path.join(ROOT, 'bin', 'hybrid.js');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'lib', 'cli', 'main.js'))) return { skipped: 'the CLI is not built (npm run build)' };
  // The generated project imports 'hybrid-iac' like a user's; point it at this checkout.
  const link = path.join(dir, 'node_modules', 'hybrid-iac');
  if (!fs.existsSync(link)) {
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
  }
  // What npm links when a project depends on the package: `npx hybrid` finds it there.
  const binLink = path.join(dir, 'node_modules', '.bin', 'hybrid');
  if (!fs.existsSync(binLink)) {
    fs.mkdirSync(path.dirname(binLink), { recursive: true });
    fs.symlinkSync(path.join('..', 'hybrid-iac', 'bin', 'hybrid.js'), binLink);
  }
  const time = (command, args) => {
    const seconds = [];
    for (let i = 0; i <= runs; i++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
      if (result.status !== 0) return { failed: `${command} ${args.join(' ')}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` };
      if (i > 0) seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    return { medianSeconds: median(seconds) };
  };
  return {
    size,
    bin: time(path.join(dir, 'node_modules', '.bin', 'hybrid'), ['synth', '--quiet']),
    npx: time('npx', ['--no-install', 'hybrid', 'synth', '--quiet']),
    version: time(process.execPath, [bin, '--version']),
  };
}

function profile(size, dir) {
  const bundlePath = bundle('hybrid', dir);
  runOnce(bundlePath, 'hybrid', ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`, `--cpu-prof-name=synth-${size}.cpuprofile`]);
  process.stdout.write(`wrote ${path.join(RESULTS, `synth-${size}.cpuprofile`)} (open in Chrome DevTools → Performance)\n`);
}

function table(rows) {
  const header = ['workload', 'templates', 'median s', 'min s', 'max s', 'program s', 'cpu s', 'peak RSS MiB', 'budget'];
  const lines = rows.map((r) => {
    const budget = r.workload === 'hybrid' && BUDGET[r.size];
    const verdict = budget ? (r.medianSeconds <= budget.seconds && r.maxPeakRssMiB <= budget.rssMiB ? `ok (≤ ${budget.seconds} s, ≤ ${budget.rssMiB} MiB)` : `OVER (≤ ${budget.seconds} s, ≤ ${budget.rssMiB} MiB)`) : '';
    return [`${r.workload} (program only)`, String(r.size), r.medianSeconds.toFixed(3), r.minSeconds.toFixed(3), r.maxSeconds.toFixed(3), r.medianProgramSeconds.toFixed(3), r.medianCpuSeconds.toFixed(3), r.medianPeakRssMiB.toFixed(0), verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

function endToEndTable(e2e) {
  const lines = ['end to end (CLI, median s)'];
  for (const row of e2e) {
    if (row.skipped) {
      lines.push(`  skipped: ${row.skipped}`);
      continue;
    }
    for (const key of ['bin', 'npx', 'version']) {
      const result = row[key];
      const label = { bin: `node_modules/.bin/hybrid synth (${row.size})`, npx: `npx hybrid synth (${row.size})`, version: 'hybrid --version' }[key];
      const budget = row.size === 1000 || key === 'version' ? ` (budget ${E2E_BUDGET[key]} s)` : '';
      lines.push(`  ${label.padEnd(40)} ${result.failed ? `failed: ${result.failed}` : result.medianSeconds.toFixed(3)}${budget}`);
    }
  }
  return lines.join('\n');
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const loadAtStart = require('os').loadavg()[0];
  fs.mkdirSync(APPS, { recursive: true });
  const dirs = new Map(options.sizes.map((n) => [n, generate(APPS, n)]));
  if (options.profile) {
    profile(options.profile, (dirs.get(options.profile) ?? generate(APPS, options.profile)).hybrid);
    return;
  }
  const withCdk8s = options.cdk8s && ensureCdk8s();
  const kinds = ['hybrid', ...(withCdk8s ? ['cdk8s'] : []), 'plain'];
  const rows = [];
  for (const size of options.sizes) {
    rows.push(...measureSize(size, dirs.get(size), kinds, options.runs));
    process.stdout.write(`measured ${size}\n`);
  }
  const e2e = options.e2e ? options.sizes.map((size) => measureEndToEnd(size, dirs.get(size).hybrid, options.runs)) : undefined;

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: require('os').cpus().length,
    cpuModel: require('os').cpus()[0]?.model,
    // Other processes' load (1-minute average) at start and end: timings scale with it.
    loadAverage: { start: loadAtStart, end: require('os').loadavg()[0] },
    budget: { programOnly: BUDGET, endToEnd: E2E_BUDGET },
    results: rows,
    ...(e2e ? { endToEnd: e2e } : {}),
  };
  const text = JSON.stringify(result, null, 2) + '\n';
  fs.writeFileSync(path.join(RESULTS, `synth-${result.date.replace(/[:.]/g, '-')}.json`), text);
  fs.writeFileSync(path.join(RESULTS, 'synth-latest.json'), text);
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write(`load average (1 min) at start ${result.loadAverage.start.toFixed(2)}, at end ${result.loadAverage.end.toFixed(2)} on ${result.cpus} CPUs\n`);
  if (e2e) process.stdout.write(`\n${endToEndTable(e2e)}\n`);
  process.stdout.write(`\nresults: bench/results/synth-latest.json\n`);
  const over = rows.some((r) => r.workload === 'hybrid' && BUDGET[r.size] && !(r.medianSeconds <= BUDGET[r.size].seconds && r.maxPeakRssMiB <= BUDGET[r.size].rssMiB));
  if (over && options.strict) process.exitCode = 1;
}

main();
