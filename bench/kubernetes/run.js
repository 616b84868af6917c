#!/usr/bin/env node
'use strict';
/**
 * Kubernetes apply benchmark (see BUDGET.md): the same 500 objects deployed by `hybrid deploy`
 * (server-side apply, readiness waits) and by `kubectl apply` (client-side apply; then
 * `kubectl wait` for the same readiness), against one real control plane with the node
 * simulator. Reports wall time, and API requests per object counted by a TLS fault proxy in
 * front of the API server (a separate run of each tool, so that counting does not slow the timed
 * runs). Every run gets a fresh namespace; kubectl runs with an empty discovery cache (a fresh
 * HOME), as on a CI machine, plus once more with the cache it built.
 *
 * Usage: node bench/kubernetes/run.js [--objects 500] [--strict]
 *   --strict  exit 1 when a budget is exceeded
 * Needs `npm run build` and test/support/kubernetes/install.sh.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const yaml = require('js-yaml');

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
/** Budgets from BUDGET.md. */
const BUDGET = { hybridSecondsPerKubectlWaitSecond: 1.5, hybridRequestsPerObject: 2.0 };

function parseArgs(argv) {
  const options = { objects: 500, strict: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--objects') options.objects = Number(argv[++i]);
    else if (argv[i] === '--strict') options.strict = true;
    else throw new Error(`unknown flag ${argv[i]}; see the usage at the top of bench/kubernetes/run.js`);
  }
  return options;
}

/**
 * The workload: for every 10 objects, 4 ConfigMaps, 2 Secrets, 2 Services, 1 Deployment (one
 * replica, waited for until available) and 1 PersistentVolumeClaim (waited for until bound).
 */
function manifest(namespace, count) {
  const documents = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  for (let index = 0; documents.length < count; index++) {
    const name = `item-${index}`;
    const slot = index % 10;
    if (slot < 4) documents.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { index: String(index), text: 'x'.repeat(64) } });
    else if (slot < 6) documents.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { token: `token-${index}` } });
    else if (slot < 8) documents.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] } });
    else if (slot === 8) {
      documents.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } } },
      });
    } else {
      documents.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    }
  }
  return documents.map((document) => yaml.dump(document)).join('---\n');
}

function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-3000)}`));
      else resolve({ seconds, output });
    });
  });
}

function kubeconfigFor(controlPlane, server, file) {
  fs.writeFileSync(file, fs.readFileSync(controlPlane.kubeconfigPath, 'utf8').replace(controlPlane.server, server), { mode: 0o600 });
  return file;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'lib', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  require(path.join(ROOT, 'dist', 'lib', 'cli', 'program.js')).registerTypeScript();
  const { startControlPlane } = require(path.join(ROOT, 'test', 'support', 'kubernetes', 'control-plane.ts'));
  const { NodeSimulator } = require(path.join(ROOT, 'test', 'support', 'kubernetes', 'node-simulator.ts'));
  const { startFaultProxy, tlsProxyOptionsFor } = require(path.join(ROOT, 'test', 'support', 'kubernetes', 'fault-proxy.ts'));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-bench-k8s-'));
  const controlPlane = await startControlPlane();
  const simulator = await NodeSimulator.start(controlPlane.credentials);
  const proxy = await startFaultProxy(tlsProxyOptionsFor(controlPlane));
  const direct = kubeconfigFor(controlPlane, controlPlane.server, path.join(work, 'direct.kubeconfig'));
  const counted = kubeconfigFor(controlPlane, proxy.url, path.join(work, 'counted.kubeconfig'));
  const results = [];
  try {
    const hybridRun = async (label, kubeconfig) => {
      const project = path.join(work, label);
      fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
      fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'hybrid-iac'));
      fs.writeFileSync(path.join(project, 'objects.yaml'), manifest(label, options.objects));
      fs.writeFileSync(path.join(project, 'hybrid.json'), JSON.stringify({ app: 'main.ts' }));
      fs.writeFileSync(path.join(project, 'main.ts'), [
        "import { App, Stack } from 'hybrid-iac';",
        "import { K8sManifest } from 'hybrid-iac/constructs/kubernetes';",
        `new K8sManifest(new Stack(new App(), '${label}'), 'Objects', { file: 'objects.yaml' });`,
        '',
      ].join('\n'));
      const before = proxy.forwarded.length;
      const env = { ...process.env, KUBECONFIG: kubeconfig, HYBRID_HOME: path.join(project, '.hybrid-home'), NO_COLOR: '1' };
      const { seconds } = await run(process.execPath, [path.join(ROOT, 'bin', 'hybrid.js'), 'deploy', '--yes', '--no-typecheck', '--quiet'], { cwd: project, env });
      return { seconds, requests: proxy.forwarded.length - before };
    };
    const kubectlRun = async (label, kubeconfig, home, wait) => {
      const file = path.join(work, `${label}.yaml`);
      fs.writeFileSync(file, manifest(label, options.objects));
      fs.mkdirSync(home, { recursive: true });
      const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: home };
      const before = proxy.forwarded.length;
      let { seconds } = await run('kubectl', ['apply', '-f', file], { env });
      if (wait) {
        seconds += (await run('kubectl', ['wait', '-n', label, '--for=condition=Available', 'deployment', '--all', '--timeout=600s'], { env })).seconds;
        seconds += (await run('kubectl', ['wait', '-n', label, '--for=jsonpath={.status.phase}=Bound', 'persistentvolumeclaim', '--all', '--timeout=600s'], { env })).seconds;
      }
      return { seconds, requests: proxy.forwarded.length - before };
    };

    const report = (tool, mode, measured) => {
      const entry = { tool, mode, objects: options.objects, ...measured, requestsPerObject: measured.requests === undefined ? undefined : measured.requests / options.objects };
      results.push(entry);
      process.stdout.write(`${tool.padEnd(8)} ${mode.padEnd(38)} ${entry.seconds !== undefined ? `${entry.seconds.toFixed(1)} s` : ''.padEnd(6)}${entry.requests !== undefined ? `   ${entry.requests} requests (${entry.requestsPerObject.toFixed(2)}/object)` : ''}\n`);
    };

    const hybridTimed = await hybridRun('hybrid-timed', direct);
    const hybridCounted = await hybridRun('hybrid-counted', counted);
    report('hybrid', 'deploy (server-side apply + waits)', { seconds: hybridTimed.seconds, requests: hybridCounted.requests });

    const home = path.join(work, 'kubectl-home');
    const applyTimed = await kubectlRun('kubectl-apply-timed', direct, path.join(work, 'home-apply-timed'), false);
    const applyCounted = await kubectlRun('kubectl-apply-counted', counted, home, false);
    report('kubectl', 'apply, cold discovery cache', { seconds: applyTimed.seconds, requests: applyCounted.requests });
    const warmTimed = await kubectlRun('kubectl-warm-timed', direct, path.join(work, 'home-apply-timed'), false);
    const warmCounted = await kubectlRun('kubectl-warm-counted', counted, home, false);
    report('kubectl', 'apply, warm discovery cache', { seconds: warmTimed.seconds, requests: warmCounted.requests });
    const waitTimed = await kubectlRun('kubectl-wait-timed', direct, path.join(work, 'home-apply-timed'), true);
    const waitCounted = await kubectlRun('kubectl-wait-counted', counted, home, true);
    report('kubectl', 'apply + wait (deployments, claims), warm', { seconds: waitTimed.seconds, requests: waitCounted.requests });
  } finally {
    await proxy.stop();
    await simulator.stop();
    await controlPlane.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const hybrid = results[0];
  const kubectlWait = results[3];
  const checks = [
    { budget: `hybrid deploy ≤ ${BUDGET.hybridSecondsPerKubectlWaitSecond}× kubectl apply + wait`, ok: hybrid.seconds <= BUDGET.hybridSecondsPerKubectlWaitSecond * kubectlWait.seconds },
    { budget: `hybrid ≤ ${BUDGET.hybridRequestsPerObject} API requests per object`, ok: hybrid.requestsPerObject <= BUDGET.hybridRequestsPerObject },
  ];
  for (const check of checks) process.stdout.write(`${check.ok ? 'within' : 'OVER  '} budget: ${check.budget}\n`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const record = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, budget: BUDGET, results, checks };
  fs.writeFileSync(path.join(RESULTS, `kubernetes-${record.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(record, null, 2) + '\n');
  fs.writeFileSync(path.join(RESULTS, 'kubernetes-latest.json'), JSON.stringify(record, null, 2) + '\n');
  if (options.strict && checks.some((check) => !check.ok)) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
