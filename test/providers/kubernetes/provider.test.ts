import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { K8sCluster, K8sConfigMap } from '../../../constructs/kubernetes';
import { App, Stack } from '../../../lib/core/app';
import { NodeType } from '../../../lib/core/custom-types';
import { NodeTemplate } from '../../../lib/core/node-template';
import { builtinCatalogue } from '../../../lib/core/types';
import { EngineEvent, EventBus } from '../../../lib/engine/events';
import { buildModel } from '../../../lib/engine/model';
import { NonRecoverableError, ProviderRegistry, RecoverableError } from '../../../lib/engine/provider';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { deploy } from '../../../lib/engine/workflows';
import { synthesizeStack } from '../../../synth/synthesize';
import { KubernetesProvider, kubernetesProvider } from '../../../lib/providers/kubernetes';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { eventually } from '../../support/kubernetes/eventually';
import { FaultProxy, startFaultProxy, tlsProxyOptionsFor } from '../../support/kubernetes/fault-proxy';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { call, failure, install } from './support';

let controlPlane: ControlPlane;
let simulator: NodeSimulator;
let api: KubernetesApi;
let provider: KubernetesProvider;
let scratch: string;

beforeAll(async () => {
  controlPlane = await startControlPlane();
  simulator = await NodeSimulator.start(controlPlane.credentials, { assignLoadBalancerIngress: true });
  api = controlPlane.createApi();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-k8s-provider-'));
  provider = kubernetesProvider({ KUBECONFIG: controlPlane.kubeconfigPath, HOME: scratch });
}, 90_000);

afterAll(async () => {
  await provider?.close?.();
  api?.close();
  await simulator?.stop();
  await controlPlane?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const configMap = (name: string, data: { [key: string]: string }, namespace = 'default') => ({
  definition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data },
});

const deployment = (name: string, options: { replicas?: number; image?: string; timeout?: number } = {}) => ({
  definition: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.25' }] } },
    },
  },
  ...(options.timeout ? { wait: { timeout: options.timeout } } : {}),
});

async function live(apiPath: string): Promise<any> {
  const response = await api.get(apiPath, { accept: (status) => status === 200 || status === 404 });
  return response.statusCode === 404 ? undefined : response.body;
}

describe('applying objects', () => {
  test('create applies the object with server-side apply as field manager hybrid', async () => {
    await call(provider, 'create', configMap('applied', { color: 'blue' }));
    const object = await live('/api/v1/namespaces/default/configmaps/applied');
    expect(object.metadata.managedFields.map((entry: any) => [entry.manager, entry.operation])).toEqual([['hybrid', 'Apply']]);
  });

  test('create records the object\'s identity as runtime properties', async () => {
    const { result } = await call(provider, 'create', configMap('identity', { a: '1' }));
    expect(result.runtimeProperties).toMatchObject({ name: 'identity', namespace: 'default', kind: 'ConfigMap', api_version: 'v1', path: '/api/v1/namespaces/default/configmaps/identity' });
  });

  test('create writes no last-applied-configuration annotation', async () => {
    await call(provider, 'create', configMap('no-last-applied', { a: '1' }));
    const object = await live('/api/v1/namespaces/default/configmaps/no-last-applied');
    expect(Object.keys(object.metadata.annotations)).toEqual(['hybrid.io/instance']);
  });

  test('update changes the fields that changed in the definition', async () => {
    await call(provider, 'create', configMap('updated', { color: 'blue' }));
    await call(provider, 'update', configMap('updated', { color: 'green' }));
    expect((await live('/api/v1/namespaces/default/configmaps/updated')).data).toEqual({ color: 'green' });
  });

  test('update removes a field the definition no longer has', async () => {
    await call(provider, 'create', configMap('pruned', { keep: '1', drop: '2' }));
    await call(provider, 'update', configMap('pruned', { keep: '1' }));
    expect((await live('/api/v1/namespaces/default/configmaps/pruned')).data).toEqual({ keep: '1' });
  });

  test('update of a renamed object deletes the old one', async () => {
    const { result } = await call(provider, 'create', configMap('old-name', { a: '1' }));
    await call(provider, 'update', configMap('new-name', { a: '1' }), { runtimeProperties: result.runtimeProperties });
    expect(await live('/api/v1/namespaces/default/configmaps/old-name')).toBeUndefined();
  });

  test('create and wait of an object with nothing to wait for cost one API request once its kind is known', async () => {
    await install(provider, configMap('first', { a: '1' }));
    const before = provider.requests;
    await install(provider, configMap('second', { a: '1' }));
    expect(provider.requests - before).toBe(1);
  });

  test('create uses the namespace of the kubeconfig context when the definition has none', async () => {
    const { result } = await call(provider, 'create', { definition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'context-namespace' } } });
    expect(result.runtimeProperties!.namespace).toBe('default');
  });

  test('fails if the definition has no name, saying why a name is needed', async () => {
    const error = await failure(call(provider, 'create', { definition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } } }));
    expect(error).toBeInstanceOf(NonRecoverableError);
    expect(error.message).toContain('metadata.name is required');
  });

  test('fails if the cluster rejects the object, naming the invalid field', async () => {
    const invalid = deployment('mismatched');
    invalid.definition.spec.template.metadata.labels = { app: 'other' };
    const error = await failure(call(provider, 'create', invalid));
    expect(error).toBeInstanceOf(NonRecoverableError);
    expect(error.message).toContain('Deployment default/mismatched is invalid: spec.template.metadata.labels: Invalid value');
  });

  test('fails recoverably while the object\'s namespace does not exist yet', async () => {
    const error = await failure(call(provider, 'create', configMap('waiting', { a: '1' }, 'not-yet')));
    expect(error).toBeInstanceOf(RecoverableError);
  });
});

describe('waiting until ready', () => {
  test('wait returns once every replica of a Deployment is available', async () => {
    await install(provider, deployment('web', { replicas: 2 }));
    expect((await live('/apis/apps/v1/namespaces/default/deployments/web')).status.availableReplicas).toBe(2);
  });

  test('wait reports progress while a Deployment rolls out', async () => {
    const created = await call(provider, 'create', deployment('progress'));
    const { context } = await call(provider, 'wait', deployment('progress'), { runtimeProperties: created.result.runtimeProperties });
    expect(context.progressMessages.some((message) => message.startsWith('Deployment default/progress:'))).toBe(true);
  });

  test('fails if a pod never gets ready, after the timeout, naming the pod and its condition', async () => {
    simulator.failPods({ podName: /^never-ready-/ });
    await call(provider, 'create', deployment('never-ready', { timeout: 3 }));
    const error = await failure(call(provider, 'wait', deployment('never-ready', { timeout: 3 })));
    expect(error.message).toMatch(/timed out after 3 s waiting for Deployment default\/never-ready to be ready: .*pod never-ready-[a-z0-9]+-[a-z0-9]+ is not ready: Ready=False \(ContainersNotReady: .*CrashLoopBackOff/);
  });
});

describe('readiness by kind', () => {
  const podTemplate = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });

  test('a StatefulSet is ready once its pods are ready and their claims bound', async () => {
    await install(provider, { definition: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: {
      serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: podTemplate('db'),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    } } });
    const claim = await live('/api/v1/namespaces/default/persistentvolumeclaims/data-db-1');
    expect([(await live('/apis/apps/v1/namespaces/default/statefulsets/db')).status.readyReplicas, claim.status.phase]).toEqual([2, 'Bound']);
  });

  test('a DaemonSet is ready once its pod runs on every node', async () => {
    await install(provider, { definition: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: {
      selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent'),
    } } });
    expect((await live('/apis/apps/v1/namespaces/default/daemonsets/agent')).status.numberAvailable).toBe(1);
  });

  test('a PersistentVolumeClaim is ready once it is bound', async () => {
    await install(provider, { definition: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'claim', namespace: 'default' }, spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } },
    } } });
    expect((await live('/api/v1/namespaces/default/persistentvolumeclaims/claim')).status.phase).toBe('Bound');
  });

  test('a Job is ready once it is complete', async () => {
    await install(provider, { definition: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'default' }, spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'busybox:1.36' }] } },
    } } });
    const job = await live('/apis/batch/v1/namespaces/default/jobs/migrate');
    expect(job.status.conditions.find((condition: any) => condition.type === 'Complete').status).toBe('True');
  });

  test('a LoadBalancer Service waited for records its load balancer address', async () => {
    const runtime = await install(provider, { definition: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'public', namespace: 'default' }, spec: {
      type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }],
    } }, wait: { load_balancer: true } });
    expect(runtime.load_balancer).toMatch(/^127\.0\.0\.1\d\d$/);
  });

  test('a NodePort Service records its node ports and a node\'s address', async () => {
    const runtime = await install(provider, { definition: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'node-port', namespace: 'default' }, spec: {
      type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }],
    } } });
    expect([typeof runtime.node_ports.http, runtime.node_address]).toEqual(['number', '127.0.0.1']);
  });

  // Creating a custom resource crashes this kube-apiserver build (its vendored reflect2 1.0.1
  // predates Go 1.18's map iterator), so the custom resource is only looked up, never created.
  test('a custom resource\'s kind is found as soon as its CustomResourceDefinition is ready', async () => {
    await install(provider, { definition: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
    } } });
    const { result } = await call(provider, 'read', { definition: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'small', namespace: 'default' }, spec: { size: 1 } } });
    expect(result.exists).toBe(false);
  });

  test('a CronJob written as batch/v1 is applied as batch/v1beta1 on a cluster that only serves that', async () => {
    const { result } = await call(provider, 'create', { definition: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'default' }, spec: {
      schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'busybox:1.36' }] } } } },
    } } });
    expect(result.runtimeProperties!.api_version).toBe('batch/v1beta1');
  });

  test('a Namespace is deleted only once everything in it is gone', async () => {
    const runtimeProperties = await install(provider, { definition: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'short-lived' } } });
    await call(provider, 'create', configMap('inside', { a: '1' }, 'short-lived'));
    await call(provider, 'delete', { definition: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'short-lived' } } }, { runtimeProperties });
    expect(await live('/api/v1/namespaces/short-lived')).toBeUndefined();
  }, 60_000);
});

describe('secrets', () => {
  const secret = (name: string, extra: { [name: string]: any } = {}) => ({
    definition: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { user: 'wordpress' } },
    ...extra,
  });

  test('create stores stringData as base64 data owned by hybrid', async () => {
    await call(provider, 'create', secret('plain'));
    const object = await live('/api/v1/namespaces/default/secrets/plain');
    expect(object.data.user).toBe(Buffer.from('wordpress').toString('base64'));
  });

  test('create generates the values asked for, letters and digits of the given length', async () => {
    await call(provider, 'create', secret('generated', { generate: { password: 24 } }));
    const value = Buffer.from((await live('/api/v1/namespaces/default/secrets/generated')).data.password, 'base64').toString();
    expect(value).toMatch(/^[A-Za-z0-9]{24}$/);
  });

  test('update keeps a generated value', async () => {
    await call(provider, 'create', secret('kept', { generate: { password: 24 } }));
    const before = (await live('/api/v1/namespaces/default/secrets/kept')).data.password;
    await call(provider, 'update', { ...secret('kept', { generate: { password: 24 } }), definition: { ...secret('kept').definition, stringData: { user: 'admin' } } });
    expect((await live('/api/v1/namespaces/default/secrets/kept')).data.password).toBe(before);
  });

  test('create registers every value of a Secret as a secret', async () => {
    const { context } = await call(provider, 'create', secret('registered', { generate: { password: 24 } }));
    const value = Buffer.from((await live('/api/v1/namespaces/default/secrets/registered')).data.password, 'base64').toString();
    expect(context.secrets).toEqual(expect.arrayContaining(['wordpress', value]));
  });

  test('read shows which data of a Secret drifted without showing values', async () => {
    await call(provider, 'create', secret('edited-secret'));
    await api.patch('/api/v1/namespaces/default/secrets/edited-secret', { data: { user: Buffer.from('intruder').toString('base64') } }, { query: { fieldManager: 'kubectl-edit' } });
    const { result } = await call(provider, 'read', secret('edited-secret'));
    expect(result.drift).toEqual(['data.user differs from the blueprint (changed by "kubectl-edit")']);
  });
});

describe('deleting objects', () => {
  test('delete removes a Deployment together with its pods before it returns', async () => {
    const runtimeProperties = await install(provider, deployment('doomed'));
    await call(provider, 'delete', deployment('doomed'), { runtimeProperties });
    const pods = await api.get('/api/v1/namespaces/default/pods', { query: { labelSelector: 'app=doomed' } });
    expect(pods.body.items).toEqual([]);
  });

  test('delete of an object that is already gone succeeds', async () => {
    await expect(call(provider, 'delete', configMap('never-existed', { a: '1' }))).resolves.toBeDefined();
  });
});

describe('reading for drift', () => {
  test('read reports no drift right after an apply', async () => {
    await install(provider, deployment('steady'));
    const { result } = await call(provider, 'read', deployment('steady'));
    expect(result).toMatchObject({ exists: true, drift: [] });
  });

  test('read reports an object deleted behind hybrid\'s back as gone', async () => {
    await call(provider, 'create', configMap('vanishing', { a: '1' }));
    await api.delete('/api/v1/namespaces/default/configmaps/vanishing');
    expect((await call(provider, 'read', configMap('vanishing', { a: '1' }))).result.exists).toBe(false);
  });

  test('read reports a managed field edited by another manager, with both values and the manager', async () => {
    await install(provider, deployment('edited'));
    await api.patch('/apis/apps/v1/namespaces/default/deployments/edited', { spec: { replicas: 3 } }, { query: { fieldManager: 'kubectl-edit' } });
    const { result } = await call(provider, 'read', deployment('edited'));
    expect(result.drift).toEqual(['spec.replicas is 3 in the cluster, 1 in the blueprint (changed by "kubectl-edit")']);
  });
});

describe('field manager conflicts', () => {
  test('fails if another manager owns a field hybrid sets, naming the field and the manager', async () => {
    await install(provider, deployment('contested'));
    await api.patch('/apis/apps/v1/namespaces/default/deployments/contested', { spec: { replicas: 4 } }, { query: { fieldManager: 'kubectl-scale' } });
    const error = await failure(call(provider, 'update', deployment('contested', { replicas: 2 })));
    expect(error.message).toContain('.spec.replicas is managed by "kubectl-scale" using apps/v1');
  });

  test('update with force_conflicts takes the field over', async () => {
    await install(provider, deployment('taken-over'));
    await api.patch('/apis/apps/v1/namespaces/default/deployments/taken-over', { spec: { replicas: 4 } }, { query: { fieldManager: 'kubectl-scale' } });
    await call(provider, 'update', { ...deployment('taken-over', { replicas: 2 }), force_conflicts: true });
    expect((await live('/apis/apps/v1/namespaces/default/deployments/taken-over')).spec.replicas).toBe(2);
  });
});

describe('connections', () => {
  const kubeconfigWith = (user: { [key: string]: any }, extraContext = '') => [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${controlPlane.server}`,
    `    certificate-authority-data: ${fs.readFileSync(controlPlane.caCertPath).toString('base64')}`,
    '- name: nowhere',
    '  cluster: { server: "https://127.0.0.1:1" }',
    'users:',
    `- name: admin`,
    `  user: ${JSON.stringify(user)}`,
    'contexts:',
    '- name: test',
    '  context: { cluster: test, user: admin }',
    '- name: wrong',
    '  context: { cluster: nowhere, user: admin }',
    extraContext,
    'current-context: wrong',
    '',
  ].join('\n');
  const certificateUser = () => ({
    'client-certificate-data': fs.readFileSync(controlPlane.adminCertPath).toString('base64'),
    'client-key-data': fs.readFileSync(controlPlane.adminKeyPath).toString('base64'),
  });

  test('connects with kubeconfig content and the context client_config names', async () => {
    await call(provider, 'create', { ...configMap('by-content', { a: '1' }), client_config: { kubeconfig: kubeconfigWith(certificateUser()), context: 'test' } });
    expect(await live('/api/v1/namespaces/default/configmaps/by-content')).toBeDefined();
  });

  test('registers the kubeconfig content and the client key as secrets', async () => {
    const content = kubeconfigWith(certificateUser());
    const { context } = await call(provider, 'create', { ...configMap('registered-config', { a: '1' }), client_config: { kubeconfig: content, context: 'test' } });
    expect(context.secrets).toEqual(expect.arrayContaining([content, fs.readFileSync(controlPlane.adminKeyPath, 'utf8')]));
  });

  test('fails if the kubeconfig has no context of the name given, listing those it has', async () => {
    const error = await failure(call(provider, 'create', { ...configMap('no-context', { a: '1' }), client_config: { kubeconfig: kubeconfigWith(certificateUser()), context: 'staging' } }));
    expect(error.message).toBe('client_config.kubeconfig has no context "staging" (contexts: test, wrong)');
  });
});

describe('a cluster created in the same deploy', () => {
  const events: EngineEvent[] = [];
  let directory: string;
  let key: string;

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(scratch, 'same-deploy-'));
    key = fs.readFileSync(controlPlane.adminKeyPath, 'utf8');
    // A stand-in for a cluster node (on OpenStack or hosts): it publishes its kubeconfig as a secret attribute.
    const clusterProvider = {
      name: 'test-cluster',
      operations: { 'hybrid.test.cluster.create': async () => ({ runtimeProperties: { kubeconfig: fs.readFileSync(controlPlane.kubeconfigPath, 'utf8') }, secretRuntimeProperties: ['kubeconfig'] }) },
    };
    const stack = new Stack(new App(), 'same-deploy');
    new NodeType(stack, 'ClusterType', { name: 'test.nodes.Cluster', derivedFrom: 'cloudify.nodes.Root', interfaces: { 'cloudify.interfaces.lifecycle': { create: 'hybrid.test.cluster.create' } } });
    const master = new NodeTemplate(stack, 'Master', { type: 'test.nodes.Cluster' });
    const cluster = K8sCluster.fromKubeconfigAttribute(stack, 'Cluster', { node: master });
    new K8sConfigMap(stack, 'Settings', { cluster, name: 'same-deploy', data: { created: 'with its cluster' } });
    const { blueprint } = synthesizeStack(stack);
    App.resetCreated();
    const catalogue = builtinCatalogue().clone().add({ node_types: blueprint.node_types }, 'test');
    const bus = new EventBus();
    bus.on((event) => events.push(event));
    const result = await deploy(buildModel(blueprint, catalogue, directory, 'same-deploy'), {
      store: new FileStateStore(path.join(directory, 'state')),
      registry: new ProviderRegistry().register(clusterProvider).register(kubernetesProvider({ HOME: scratch })),
      events: bus,
      workDirectory: path.join(directory, 'work'),
      environment: { HYBRID_HOME: path.join(directory, 'home') },
    });
    expect(result.result?.failed).toBe(0);
  });

  test('objects reach the cluster through the kubeconfig attribute of the node that created it', async () => {
    expect((await live('/api/v1/namespaces/default/configmaps/same-deploy')).data).toEqual({ created: 'with its cluster' });
  });

  test('the cluster\'s client key is in no state file, plain or base64', () => {
    const files = fs.readdirSync(path.join(directory, 'state')).map((file) => fs.readFileSync(path.join(directory, 'state', file), 'utf8'));
    expect(files.filter((content) => content.includes(key.trim().split('\n')[1]) || content.includes(Buffer.from(key).toString('base64').slice(0, 40)))).toEqual([]);
  });

  test('the cluster\'s client key is in no event', () => {
    const text = JSON.stringify(events);
    expect([text.includes(key.trim().split('\n')[1]), text.includes(Buffer.from(key).toString('base64').slice(0, 40))]).toEqual([false, false]);
  });
});

describe('faults', () => {
  let proxy: FaultProxy;
  let proxied: KubernetesProvider;

  beforeAll(async () => {
    proxy = await startFaultProxy(tlsProxyOptionsFor(controlPlane));
    const kubeconfig = fs.readFileSync(controlPlane.kubeconfigPath, 'utf8').replace(controlPlane.server, proxy.url);
    fs.writeFileSync(path.join(scratch, 'proxied.kubeconfig'), kubeconfig);
    proxied = kubernetesProvider({ KUBECONFIG: path.join(scratch, 'proxied.kubeconfig'), HOME: scratch });
  });

  afterAll(async () => {
    await proxied?.close?.();
    await proxy?.stop();
  });

  test('create waits as long as a 429 answer\'s Retry-After says, then succeeds', async () => {
    proxy.injectResponses({ method: 'PATCH', path: /configmaps\/throttled/, status: 429, count: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    await call(proxied, 'create', configMap('throttled', { a: '1' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('create retries 500 answers until the API server accepts the object', async () => {
    proxy.injectResponses({ method: 'PATCH', path: /configmaps\/flaky/, status: 500, count: 2 });
    await call(proxied, 'create', configMap('flaky', { a: '1' }));
    expect((await live('/api/v1/namespaces/default/configmaps/flaky')).data).toEqual({ a: '1' });
  });

  test('wait converges when the connections are dropped while it watches', async () => {
    simulator.failPods({ podName: /^dropped-/ });
    const created = await call(proxied, 'create', deployment('dropped'));
    const waiting = call(proxied, 'wait', deployment('dropped'), { runtimeProperties: created.result.runtimeProperties });
    await eventually('the wait to be watching', async () => proxy.forwarded.some((entry) => /deployments\?.*watch=/.test(entry.url)));
    proxy.dropConnections();
    simulator.clearPodFailures();
    await expect(waiting).resolves.toBeDefined();
  });
});
