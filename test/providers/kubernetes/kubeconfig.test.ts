import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConnection } from '../../../lib/providers/kubernetes/kubeconfig';
import { kubernetesContext } from './support';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-kubeconfig-'));
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

function kubeconfig(file: string, entries: { clusters?: any[]; users?: any[]; contexts?: any[]; current?: string }): string {
  const full = path.join(directory, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: entries.clusters ?? [], users: entries.users ?? [], contexts: entries.contexts ?? [], ...(entries.current ? { 'current-context': entries.current } : {}) }));
  return full;
}

const connect = (clientConfig: object, environment: NodeJS.ProcessEnv) => {
  const context = kubernetesContext('create', { definition: {}, client_config: clientConfig });
  return { connection: resolveConnection({ ...context, baseDirectory: directory }, environment), context };
};

test('KUBECONFIG files are merged, the first file that defines a name winning', () => {
  const first = kubeconfig('first.yaml', { clusters: [{ name: 'c', cluster: { server: 'https://first:6443' } }], contexts: [{ name: 'x', context: { cluster: 'c' } }], current: 'x' });
  const second = kubeconfig('second.yaml', { clusters: [{ name: 'c', cluster: { server: 'https://second:6443' } }] });
  expect(connect({}, { KUBECONFIG: `${first}:${second}` }).connection.server).toBe('https://first:6443');
});

test('a context in a later KUBECONFIG file is found', () => {
  const first = kubeconfig('first.yaml', { clusters: [{ name: 'c', cluster: { server: 'https://first:6443' } }], current: 'later' });
  const second = kubeconfig('second.yaml', { contexts: [{ name: 'later', context: { cluster: 'c', namespace: 'blog' } }] });
  expect(connect({}, { KUBECONFIG: `${first}:${second}` }).connection.namespace).toBe('blog');
});

test('~/.kube/config is used when KUBECONFIG is not set', () => {
  kubeconfig('.kube/config', { clusters: [{ name: 'c', cluster: { server: 'https://home:6443' } }], contexts: [{ name: 'x', context: { cluster: 'c' } }], current: 'x' });
  expect(connect({}, { HOME: directory }).connection.server).toBe('https://home:6443');
});

test('certificate files are read relative to the kubeconfig that names them', () => {
  fs.mkdirSync(path.join(directory, 'conf', 'pki'), { recursive: true });
  fs.writeFileSync(path.join(directory, 'conf', 'pki', 'ca.crt'), 'CA');
  const file = kubeconfig('conf/config', { clusters: [{ name: 'c', cluster: { server: 'https://x:6443', 'certificate-authority': 'pki/ca.crt' } }], contexts: [{ name: 'x', context: { cluster: 'c' } }], current: 'x' });
  expect(connect({ kubeconfig_path: file }, {}).connection.ca?.toString()).toBe('CA');
});

test('a token is registered as a secret', () => {
  const file = kubeconfig('config', { clusters: [{ name: 'c', cluster: { server: 'https://x:6443' } }], users: [{ name: 'u', user: { token: 'sekret-token-value' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], current: 'x' });
  expect(connect({ kubeconfig_path: file }, {}).context.secrets).toContain('sekret-token-value');
});

test('in-cluster configuration reads the service account\'s token, CA and namespace', () => {
  fs.writeFileSync(path.join(directory, 'token'), 'pod-token');
  fs.writeFileSync(path.join(directory, 'namespace'), 'jobs\n');
  const { connection } = connect({ in_cluster: true }, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', HYBRID_KUBERNETES_SERVICE_ACCOUNT_DIR: directory });
  expect([connection.server, connection.namespace, connection.tokenFile]).toEqual(['https://10.96.0.1:443', 'jobs', path.join(directory, 'token')]);
});

test('fails if no kubeconfig can be found, saying where hybrid looked', () => {
  expect(() => connect({}, { HOME: directory })).toThrow('no Kubernetes cluster configured: set KUBECONFIG, create ~/.kube/config, or give the objects a cluster (K8sCluster.fromKubeconfig)');
});

test('fails if kubeconfig content is not YAML, without quoting the content', () => {
  expect(() => connect({ kubeconfig: 'password: [unclosed' }, {})).toThrow(/^client_config\.kubeconfig is not a valid kubeconfig \(YAML parse error at line \d+\)$/);
});
