/**
 * Deploys through the CLI while the cluster misbehaves: the API server restarts, connections
 * drop, a pod never gets ready, another field manager holds a field, objects drift.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, makeProject } from '../../cli/support';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { FaultProxy, startFaultProxy } from '../../support/kubernetes/fault-proxy';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { runCli, startCli } from './support';

let controlPlane: ControlPlane;
let simulator: NodeSimulator;
let api: KubernetesApi;
const projects: string[] = [];

beforeAll(async () => {
  assertBuilt();
  controlPlane = await startControlPlane();
  simulator = await NodeSimulator.start(controlPlane.credentials);
  api = controlPlane.createApi();
}, 90_000);

afterAll(async () => {
  for (const project of projects) fs.rmSync(project, { recursive: true, force: true });
  api?.close();
  await simulator?.stop();
  await controlPlane?.stop();
}, 90_000);

/** A project whose program puts a Deployment `name` in namespace `stack`, and a ConfigMap that deploys after it. */
function waitingProject(stack: string, name: string, options: { readyTimeout?: number } = {}): string {
  const project = makeProject({
    'main.ts': `
import { App, Stack } from 'hybrid-iac';
import { K8sConfigMap, K8sDeployment, K8sNamespace } from 'hybrid-iac/constructs/kubernetes';
const stack = new Stack(new App(), '${stack}');
const namespace = new K8sNamespace(stack, 'Namespace', { name: '${stack}' });
const workload = new K8sDeployment(stack, 'Workload', { name: '${name}', namespace, containers: [{ name: 'app', image: 'nginx:1.25' }]${options.readyTimeout ? `, readyTimeout: ${options.readyTimeout}` : ''} });
const after = new K8sConfigMap(stack, 'After', { namespace, data: { ready: 'yes' } });
after.dependsOn(workload);
`,
  }, `hybrid-k8s-${stack}-`);
  projects.push(project);
  return project;
}

async function get(apiPath: string): Promise<any> {
  const response = await api.get(apiPath, { accept: (status) => status === 200 || status === 404 });
  return response.statusCode === 404 ? undefined : response.body;
}

const env = () => ({ KUBECONFIG: controlPlane.kubeconfigPath });

describe('an API server restart in the middle of a deploy', () => {
  let project: string;
  let exitCode: number;
  let output: string;

  beforeAll(async () => {
    project = waitingProject('restart', 'slow');
    simulator.failPods({ podName: /^slow-/ });
    const deploy = startCli(['deploy', '--yes', '--no-typecheck'], project, env());
    await deploy.waitForOutput(/Deployment restart\/slow: 0 of 1 updated replica available/);
    await controlPlane.stopApiServer();
    simulator.clearPodFailures();
    await controlPlane.startApiServer();
    exitCode = await deploy.exit;
    output = deploy.output();
  }, 150_000);

  test('the deploy still succeeds', () => {
    expect({ exitCode, output: exitCode === 0 ? '' : output }).toEqual({ exitCode: 0, output: '' });
  });

  test('what depends on the waiting Deployment is deployed after the restart', async () => {
    expect((await get('/api/v1/namespaces/restart/configmaps/after')).data).toEqual({ ready: 'yes' });
  });
});

describe('dropped connections while a deploy waits', () => {
  let proxy: FaultProxy;
  let exitCode: number;

  beforeAll(async () => {
    proxy = await startFaultProxy({ target: controlPlane.server });
    const kubeconfig = path.join(controlPlane.tmpDir, 'proxied.kubeconfig');
    fs.writeFileSync(kubeconfig, fs.readFileSync(controlPlane.kubeconfigPath, 'utf8').replace(controlPlane.server, proxy.url));
    const project = waitingProject('dropped', 'patient');
    simulator.failPods({ podName: /^patient-/ });
    const deploy = startCli(['deploy', '--yes', '--no-typecheck'], project, { KUBECONFIG: kubeconfig });
    await deploy.waitForOutput(/Deployment dropped\/patient: 0 of 1 updated replica available/);
    for (let drop = 0; drop < 3; drop++) {
      proxy.dropConnections();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    simulator.clearPodFailures();
    exitCode = await deploy.exit;
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
  });

  test('the deploy still succeeds', () => {
    expect(exitCode).toBe(0);
  });

  test('the Deployment it waited for is available', async () => {
    expect((await get('/apis/apps/v1/namespaces/dropped/deployments/patient')).status.availableReplicas).toBe(1);
  });
});

describe('a pod that never gets ready', () => {
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    simulator.failPods({ podName: /^never-ready-/ });
    result = await runCli(['deploy', '--yes', '--no-typecheck'], waitingProject('stuck', 'never-ready', { readyTimeout: 5 }), env());
  }, 120_000);

  afterAll(() => simulator.clearPodFailures());

  test('fails the deploy', () => {
    expect(result.code).toBe(1);
  });

  test('the failure says how long it waited and names the pod and its last condition', () => {
    expect(result.stderr).toMatch(
      /workload_0 \(create\): workload_0: cloudify\.interfaces\.lifecycle\.start failed: timed out after 5 s waiting for Deployment stuck\/never-ready to be ready: 0 of 1 updated replica available; pod never-ready-[a-z0-9]+-[a-z0-9]+ is not ready: Ready=False \(ContainersNotReady: containers with unready status: \[app\]\); container app waiting: CrashLoopBackOff/,
    );
  });

  test('what depends on it is not deployed', async () => {
    expect(await get('/api/v1/namespaces/stuck/configmaps/after')).toBeUndefined();
  });
});

describe('other field managers and drift', () => {
  let project: string;

  beforeAll(async () => {
    project = makeProject({
      'main.ts': `
import { App, Input, InputType, Stack } from 'hybrid-iac';
import { K8sConfigMap, K8sDeployment, K8sNamespace } from 'hybrid-iac/constructs/kubernetes';
const stack = new Stack(new App(), 'shared');
const replicas = new Input(stack, 'replicas', { type: InputType.INTEGER, default: 1 });
const namespace = new K8sNamespace(stack, 'Namespace', { name: 'shared' });
const web = new K8sDeployment(stack, 'Web', { namespace, replicas: replicas.value, containers: [{ name: 'web', image: 'nginx:1.25' }] });
web.expose('Service', { ports: [{ port: 80 }] });
new K8sConfigMap(stack, 'Settings', { namespace, data: { mode: 'production' } });
`,
    }, 'hybrid-k8s-shared-');
    projects.push(project);
    expect((await runCli(['deploy', '--yes', '--no-typecheck'], project, env())).code).toBe(0);
  }, 60_000);

  test('diff shows a managed field edited by another manager as drift, with the manager', async () => {
    await api.patch('/api/v1/namespaces/shared/configmaps/settings', { data: { mode: 'debug' } }, { query: { fieldManager: 'kubectl-edit' } });
    const result = await runCli(['diff'], project, env());
    expect(result.stderr).toContain('! settings_0 drifted: data.mode is "debug" in the cluster, "production" in the blueprint (changed by "kubectl-edit")');
  });

  test('diff shows an object deleted behind hybrid\'s back as one to create', async () => {
    await api.delete('/api/v1/namespaces/shared/services/web');
    const result = await runCli(['diff'], project, env());
    expect(result.stdout).toMatch(/\+ web-service_0 \(hybrid\.nodes\.kubernetes\.Service\) ← Web\/Service\n\s+create: it no longer exists \(deleted outside hybrid\)/);
  });

  test('fails if another manager owns a field the deploy changes, naming the field, the manager and --force-conflicts', async () => {
    await api.patch('/apis/apps/v1/namespaces/shared/deployments/web', { spec: { replicas: 2 } }, { query: { fieldManager: 'kubectl-edit' } });
    const result = await runCli(['deploy', '--yes', '--no-typecheck', '--input', 'replicas=3'], project, env());
    expect([result.code, result.stderr]).toEqual([1, expect.stringContaining('server-side apply conflicts with other field managers: .spec.replicas is managed by "kubectl-edit" using apps/v1. hybrid changed nothing. To take these fields over, deploy with --force-conflicts (HYBRID_KUBERNETES_FORCE_CONFLICTS=1)')]);
  });

  test('a deploy told to force conflicts takes the field over', async () => {
    const result = await runCli(['deploy', '--yes', '--no-typecheck', '--input', 'replicas=3'], project, { ...env(), HYBRID_KUBERNETES_FORCE_CONFLICTS: '1' });
    expect([result.code, (await get('/apis/apps/v1/namespaces/shared/deployments/web')).spec.replicas]).toEqual([0, 3]);
  });

  test('deploy with --refresh recreates the deleted object and reports the field another manager edited as a conflict', async () => {
    const result = await runCli(['deploy', '--yes', '--no-typecheck', '--refresh', '--input', 'replicas=3'], project, env());
    expect([result.code, result.stderr.includes('.data.mode is managed by "kubectl-edit"'), await get('/api/v1/namespaces/shared/services/web')]).toEqual([1, true, expect.anything()]);
  });

  test('deploy with --refresh told to force conflicts repairs the drift, and diff is then empty', async () => {
    const force = { ...env(), HYBRID_KUBERNETES_FORCE_CONFLICTS: '1' };
    expect((await runCli(['deploy', '--yes', '--no-typecheck', '--refresh', '--input', 'replicas=3'], project, force)).code).toBe(0);
    expect((await runCli(['diff', '--detailed-exitcode', '--input', 'replicas=3'], project, env())).code).toBe(0);
  });
});

test('credentials from an exec plugin in the kubeconfig work, through @kubernetes/client-node', async () => {
  const project = makeProject({
    'main.ts': `
import { App, Stack } from 'hybrid-iac';
import { K8sCluster, K8sConfigMap } from 'hybrid-iac/constructs/kubernetes';
const stack = new Stack(new App(), 'exec');
const cluster = K8sCluster.fromKubeconfig(stack, 'Cluster', { path: 'exec.kubeconfig' });
new K8sConfigMap(stack, 'Settings', { cluster, name: 'exec-settings', data: { via: 'exec' } });
`,
    'credential.json': JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { clientCertificateData: fs.readFileSync(controlPlane.adminCertPath, 'utf8'), clientKeyData: fs.readFileSync(controlPlane.adminKeyPath, 'utf8'), expirationTimestamp: '2099-01-01T00:00:00Z' },
    }),
    'exec.kubeconfig': [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: test, cluster: { server: "${controlPlane.server}", certificate-authority-data: ${fs.readFileSync(controlPlane.caCertPath).toString('base64')} } }]`,
      'users: [{ name: plugin, user: { exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/cat, args: [credential.json] } } }]',
      'contexts: [{ name: test, context: { cluster: test, user: plugin } }]',
      'current-context: test',
      '',
    ].join('\n'),
  }, 'hybrid-k8s-exec-');
  projects.push(project);
  const result = await runCli(['deploy', '--yes', '--no-typecheck'], project, { KUBECONFIG: '' });
  expect([result.code, (await get('/api/v1/namespaces/default/configmaps/exec-settings'))?.data]).toEqual([0, { via: 'exec' }]);
}, 60_000);
