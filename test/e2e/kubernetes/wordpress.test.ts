/**
 * samples/wordpress through the CLI, on the real control plane: synth, deploy, outputs, a change
 * of replicas, destroy; and the database password nowhere but in the cluster's Secret.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, assertBuilt, makeProject, readTree } from '../../cli/support';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { eventually } from '../../support/kubernetes/eventually';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { runCli } from './support';

const CANARY = 'canary-wp-7c1e90d4-do-not-leak';
const SAMPLE = path.join(REPO, 'samples', 'wordpress');

let controlPlane: ControlPlane;
let simulator: NodeSimulator;
let api: KubernetesApi;
let project: string;
const transcript: string[] = [];

async function cli(args: string[]) {
  const result = await runCli(args, project, { KUBECONFIG: controlPlane.kubeconfigPath, HYBRID_SECRET_WORDPRESS_DB_PASSWORD: CANARY });
  transcript.push(result.stdout, result.stderr);
  return result;
}

async function get(apiPath: string): Promise<any> {
  const response = await api.get(apiPath, { accept: (status) => status === 200 || status === 404 });
  return response.statusCode === 404 ? undefined : response.body;
}

beforeAll(async () => {
  assertBuilt();
  controlPlane = await startControlPlane();
  simulator = await NodeSimulator.start(controlPlane.credentials, { assignLoadBalancerIngress: true });
  api = controlPlane.createApi();
  project = makeProject({ 'main.ts': fs.readFileSync(path.join(SAMPLE, 'main.ts'), 'utf8'), 'hybrid.json': fs.readFileSync(path.join(SAMPLE, 'hybrid.json'), 'utf8') }, 'hybrid-wordpress-');
}, 90_000);

afterAll(async () => {
  if (project) {
    await cli(['destroy', '--yes']);
    fs.rmSync(project, { recursive: true, force: true });
  }
  api?.close();
  await simulator?.stop();
  await controlPlane?.stop();
}, 90_000);

test('synth writes the blueprint with the Kubernetes objects of the sample', async () => {
  expect((await cli(['synth'])).code).toBe(0);
  expect(fs.readFileSync(path.join(project, 'hybrid.out', 'wordpress', 'blueprint.yaml'), 'utf8')).toContain('type: hybrid.nodes.kubernetes.Deployment');
});

test('deploy succeeds', async () => {
  const result = await cli(['deploy', '--yes', '--no-typecheck']);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
});

test('after deploy both Deployments have every replica available', async () => {
  const deployments = (await get('/apis/apps/v1/namespaces/wordpress/deployments')).items;
  expect(deployments.map((deployment: any) => [deployment.metadata.name, deployment.status.availableReplicas]).sort()).toEqual([['wordpress', 1], ['wordpress-mysql', 1]]);
});

test('after deploy both claims are bound', async () => {
  const claims = (await get('/api/v1/namespaces/wordpress/persistentvolumeclaims')).items;
  expect(claims.map((claim: any) => [claim.metadata.name, claim.status.phase]).sort()).toEqual([['wordpress', 'Bound'], ['wordpress-mysql', 'Bound']]);
});

test('after deploy WordPress\'s Service has its load balancer and the database Service is headless', async () => {
  const [wordpress, mysql] = await Promise.all([get('/api/v1/namespaces/wordpress/services/wordpress'), get('/api/v1/namespaces/wordpress/services/wordpress-mysql')]);
  expect([wordpress.status.loadBalancer.ingress[0].ip, mysql.spec.clusterIP]).toEqual([expect.stringMatching(/^127\.0\.0\.1\d\d$/), 'None']);
});

test('after deploy the credentials Secret holds the given password and a generated root password', async () => {
  const secret = await get('/api/v1/namespaces/wordpress/secrets/wordpress-db-credentials');
  const decoded = Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value as string, 'base64').toString()]));
  expect(decoded).toEqual({ password: CANARY, 'root-password': expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
});

test('outputs gives the URL of the load balancer', async () => {
  const service = await get('/api/v1/namespaces/wordpress/services/wordpress');
  expect((await cli(['outputs'])).stdout.trim()).toBe(`url = http://${service.status.loadBalancer.ingress[0].ip}/`);
});

test('diff right after deploy shows no changes', async () => {
  expect((await cli(['diff', '--detailed-exitcode'])).code).toBe(0);
});

test('diff with two replicas shows exactly one update: the WordPress Deployment', async () => {
  const result = await cli(['diff', '--detailed-exitcode', '--input', 'replicas=2']);
  expect(result.code).toBe(2);
  expect(result.stdout).toContain('Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 7 unchanged.');
  expect(result.stdout).toMatch(/~ blog-wordpress_0 \(hybrid\.nodes\.kubernetes\.Deployment\)/);
});

test('deploy of two replicas rolls WordPress out to two available replicas', async () => {
  expect((await cli(['deploy', '--yes', '--no-typecheck', '--input', 'replicas=2'])).code).toBe(0);
  expect((await get('/apis/apps/v1/namespaces/wordpress/deployments/wordpress')).status.availableReplicas).toBe(2);
});

test('the database password appears in no file of the project: blueprint, state, journal', async () => {
  const leaks = [...readTree(project)].filter(([, content]) => content.includes(CANARY) || content.includes(Buffer.from(CANARY).toString('base64'))).map(([file]) => file);
  expect(leaks).toEqual([]);
});

test('the database password appears in no CLI output', async () => {
  expect(transcript.filter((text) => text.includes(CANARY))).toEqual([]);
});

test('the database password appears in no annotation and no managed-fields entry of any object', async () => {
  const kinds = ['/api/v1/namespaces/wordpress/secrets', '/api/v1/namespaces/wordpress/services', '/api/v1/namespaces/wordpress/persistentvolumeclaims', '/apis/apps/v1/namespaces/wordpress/deployments'];
  const metadata = (await Promise.all(kinds.map(get))).flatMap((list) => list.items.map((item: any) => JSON.stringify([item.metadata.annotations, item.metadata.managedFields])));
  expect(metadata.filter((text) => text.includes(CANARY) || text.includes(Buffer.from(CANARY).toString('base64')) || text.includes('last-applied-configuration'))).toEqual([]);
});

test('destroy succeeds', async () => {
  expect((await cli(['destroy', '--yes'])).code).toBe(0);
});

test('after destroy no object hybrid made is left, in any namespace', async () => {
  const lists = ['/api/v1/secrets', '/api/v1/configmaps', '/api/v1/services', '/api/v1/persistentvolumeclaims', '/apis/apps/v1/deployments', '/api/v1/namespaces'];
  const left = (await Promise.all(lists.map((list) => api.get(list, { query: { labelSelector: 'app.kubernetes.io/managed-by=hybrid' } })))).flatMap((response) => response.body.items.map((item: any) => `${item.kind ?? ''} ${item.metadata.namespace ?? ''}/${item.metadata.name}`));
  expect(left).toEqual([]);
});

test('after destroy the namespace, its pods and the volumes of its claims are gone', async () => {
  await eventually('the simulator to reclaim the volumes', async () => (await get('/api/v1/persistentvolumes')).items.length === 0, 20_000);
  expect([await get('/api/v1/namespaces/wordpress'), (await get('/api/v1/pods')).items.filter((pod: any) => pod.metadata.namespace === 'wordpress')]).toEqual([undefined, []]);
});
