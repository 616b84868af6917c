/**
 * samples/windows-service-to-pod deployed with the CLI against the Wine test host and a real
 * Kubernetes control plane (with the node simulator playing the kubelet): the pricing engine's
 * Service and Endpoints hold the Windows host's address and port, and the Windows service got the
 * frontend Service's address.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { assertBuilt, makeProject, REPO } from '../../cli/support';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { buildTestService } from '../../support/windows/build';
import { startWindowsHost, WindowsTestHost } from '../../support/windows/wine-host';

jest.setTimeout(300_000);

/**
 * The API server refuses Endpoints in 127.0.0.0/8, where the Wine host listens, so the host is
 * given a second address for the cluster (the sample's windowsIp input): one from TEST-NET-1,
 * which nothing sends traffic to (the node simulator runs no pods).
 */
const CLUSTER_FACING_IP = '192.0.2.64';
const SAMPLE = path.resolve(__dirname, '..', '..', '..', 'samples', 'windows-service-to-pod');

let host: WindowsTestHost;
let controlPlane: ControlPlane;
let simulator: NodeSimulator;
let api: KubernetesApi;
let directory: string;
let deployed: { code: number; output: string };
let destroyed = false;

/**
 * Runs the CLI as a user would, with the kubeconfig and known_hosts where kubectl and ssh look.
 * Asynchronously: the node simulator runs in this process and must keep binding pods meanwhile.
 */
function cli(...args: string[]): Promise<{ code: number; output: string }> {
  const inputs = ['windowsAddress', host.address, 'windowsIp', CLUSTER_FACING_IP, 'windowsPort', String(host.port), 'windowsUser', host.user, 'windowsKey', host.privateKeyPath];
  const inputFlags = inputs.flatMap((value, index) => (index % 2 === 0 ? ['--input', `${value}=${inputs[index + 1]}`] : []));
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), ...args, ...inputFlags], {
    cwd: directory,
    env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(directory, '.hybrid-home'), HOME: path.join(directory, 'home'), KUBECONFIG: controlPlane.kubeconfigPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, output })));
}

beforeAll(async () => {
  assertBuilt();
  let serviceExe: string;
  [serviceExe, host, controlPlane] = await Promise.all([buildTestService(), startWindowsHost({ address: '127.0.0.64' }), startControlPlane()]);
  simulator = await NodeSimulator.start(controlPlane.credentials);
  api = controlPlane.createApi();
  // The pricing engine is "already installed" on the server.
  fs.mkdirSync(host.unixPath('C:\\apps\\pricing'), { recursive: true });
  fs.copyFileSync(serviceExe, host.unixPath('C:\\apps\\pricing\\pricing.exe'));
  directory = makeProject(
    { 'main.ts': fs.readFileSync(path.join(SAMPLE, 'main.ts'), 'utf8'), 'hybrid.json': fs.readFileSync(path.join(SAMPLE, 'hybrid.json'), 'utf8'), 'home/.ssh/known_hosts': host.knownHostsLine + '\n' },
    'hybrid-e2e-sample-',
  );
  deployed = await cli('deploy', '--yes', '--no-typecheck');
}, 600_000);

afterAll(async () => {
  if (directory && controlPlane && !destroyed) await cli('destroy', '--yes');
  await simulator?.stop();
  await controlPlane?.stop();
  await host?.stop();
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
});

test('the sample deploys', () => {
  expect({ code: deployed.code, output: deployed.code === 0 ? '' : deployed.output }).toEqual({ code: 0, output: '' });
});

test('the pricing engine runs on the Windows host', async () => {
  expect((await host.cmd('sc query pricing-engine')).stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
});

test('the pricing Service has no selector and serves port 9000', async () => {
  const service = (await api.get('/api/v1/namespaces/default/services/pricing')).body;
  expect({ selector: service.spec.selector, ports: service.spec.ports.map((port: any) => port.port) }).toEqual({ selector: undefined, ports: [9000] });
});

test('the pricing Endpoints hold the Windows host\'s address and port', async () => {
  const endpoints = (await api.get('/api/v1/namespaces/default/endpoints/pricing')).body;
  expect(endpoints.subsets).toEqual([{ addresses: [{ ip: CLUSTER_FACING_IP }], ports: [{ name: 'tcp', port: 9000, protocol: 'TCP' }] }]);
});

test('the frontend pods are told the pricing engine\'s cluster DNS name', async () => {
  const deployment = (await api.get('/apis/apps/v1/namespaces/default/deployments/frontend')).body;
  expect(deployment.spec.template.spec.containers[0].env).toEqual([{ name: 'PRICING_URL', value: 'http://pricing.default.svc.cluster.local:9000' }]);
});

test('the Windows service was started with the frontend Service\'s node address and port', async () => {
  const service = (await api.get('/api/v1/namespaces/default/services/frontend')).body;
  const nodePort = service.spec.ports[0].nodePort;
  const marker = fs.readFileSync(host.unixPath('C:\\apps\\pricing\\pricing.log'), 'utf8').split('\r\n');
  expect(marker.find((line) => line.startsWith('arg[5]='))).toMatch(new RegExp(`^arg\\[5\\]=http://[^:]+:${nodePort}$`));
});

test('the Windows service\'s environment holds the frontend Service\'s addresses', async () => {
  const service = (await api.get('/api/v1/namespaces/default/services/frontend')).body;
  const registry = (await host.cmd('reg query HKLM\\SYSTEM\\CurrentControlSet\\Services\\pricing-engine /v Environment')).stdout;
  expect(registry).toContain(`FRONTEND_CLUSTER_IP=${service.spec.clusterIP}`);
  expect(registry).toMatch(new RegExp(`FRONTEND_URL=http://[^:]+:${service.spec.ports[0].nodePort}`));
});

test('destroy removes the Windows service and the Service and Endpoints that pointed at it', async () => {
  const result = await cli('destroy', '--yes');
  destroyed = result.code === 0;
  expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
  expect((await host.cmd('sc query pricing-engine')).stdout).toContain('FAILED 1060');
  const gone = async (path: string) => (await api.request('GET', path, undefined, { accept: () => true })).statusCode;
  expect([await gone('/api/v1/namespaces/default/services/pricing'), await gone('/api/v1/namespaces/default/endpoints/pricing')]).toEqual([404, 404]);
});
