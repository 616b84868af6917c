import * as path from 'node:path';
import { App, Stack } from '../../../lib/core/app';
import { NodeTemplate } from '../../../lib/core/node-template';
import { synthesizeStack } from '../../../synth/synthesize';
import { K8sCluster, K8sExternalService, K8sManifest } from '../../../constructs/kubernetes';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

/** A Namespace, a cluster-scoped CRD, a custom resource of it, and a ConfigMap in the namespace. */
const manifestFile = () => path.join(__dirname, 'fixtures', 'app.yaml');

test('a manifest file becomes one node per object, named after kind and name', () => {
  new K8sManifest(stack, 'App', { file: manifestFile() });
  expect(Object.keys(nodes()).sort()).toEqual(['app-config-map-settings-shop', 'app-custom-resource-definition-gadgets-example-com', 'app-gadget-big', 'app-namespace-shop']);
});

test('a relative file is read from the directory of the program file that creates the manifest', () => {
  const manifest = new K8sManifest(stack, 'App', { file: 'fixtures/app.yaml' });
  expect(manifest.objects).toHaveLength(4);
});

test('objects of a manifest get the node type of their kind, or the generic Resource', () => {
  new K8sManifest(stack, 'App', { file: manifestFile() });
  expect([nodes()['app-namespace-shop'].type, nodes()['app-gadget-big'].type]).toEqual(['hybrid.nodes.kubernetes.Namespace', 'hybrid.nodes.kubernetes.Resource']);
});

test('objects of a manifest deploy after their namespace and their kind\'s CRD', () => {
  new K8sManifest(stack, 'App', { file: manifestFile() });
  expect([nodes()['app-config-map-settings-shop'].relationships, nodes()['app-gadget-big'].relationships]).toEqual([
    [{ type: 'cloudify.relationships.depends_on', target: 'app-namespace-shop' }],
    [{ type: 'cloudify.relationships.depends_on', target: 'app-custom-resource-definition-gadgets-example-com' }],
  ]);
});

test('fields the server fills in are dropped from a manifest\'s objects', () => {
  new K8sManifest(stack, 'App', { file: manifestFile() });
  expect(nodes()['app-config-map-settings-shop'].properties!.definition.metadata).toEqual({ name: 'settings', namespace: 'shop' });
});

test('the manifest\'s namespace applies to namespaced objects without one, not to cluster-scoped kinds', () => {
  new K8sManifest(stack, 'App', {
    namespace: 'web',
    objects: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] },
    ],
  });
  expect([nodes()['app-config-map-a'].properties!.definition.metadata.namespace, nodes()['app-cluster-role-reader'].properties!.definition.metadata.namespace]).toEqual(['web', undefined]);
});

test('a List object is expanded into its items', () => {
  const manifest = new K8sManifest(stack, 'App', { objects: [{ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }] }] });
  expect(manifest.objects.map((object) => object.objectName)).toEqual(['a', 'b']);
});

test('findObject finds an object of the manifest by kind and name', () => {
  const manifest = new K8sManifest(stack, 'App', { file: manifestFile() });
  expect(manifest.findObject('ConfigMap', 'settings').namespaceName).toBe('shop');
});

test('fails if a document is not an object with kind and metadata.name, naming the document', () => {
  expect(() => new K8sManifest(stack, 'App', { objects: [{ apiVersion: 'v1', kind: 'ConfigMap' }] })).toThrow(/^demo\/App: objects\[0\] is not a Kubernetes object with kind and metadata\.name/);
});

test('fails if the file cannot be read, naming it', () => {
  expect(() => new K8sManifest(stack, 'App', { file: path.join(__dirname, 'fixtures', 'missing.yaml') })).toThrow(/^demo\/App: cannot read .*missing\.yaml: ENOENT/);
});

describe('external services', () => {
  test('an external IP address becomes a selectorless Service and Endpoints of the same name', () => {
    new K8sExternalService(stack, 'Database', { address: '10.0.0.5', port: 3306, namespace: 'shop' });
    expect([nodes()['database-service'].properties!.definition.spec, nodes()['database-endpoints'].properties!.definition]).toEqual([
      { ports: [{ name: 'tcp', port: 3306, targetPort: 3306 }] },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'database', namespace: 'shop' }, subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ name: 'tcp', port: 3306 }] }] },
    ]);
  });

  test('an address known at deploy time (a VM\'s IP) goes into the Endpoints as a get_attribute', () => {
    const vm = new NodeTemplate(stack, 'Vm', { type: 'cloudify.nodes.Compute' });
    new K8sExternalService(stack, 'Database', { address: vm.attr('ip'), port: 3306 });
    expect(nodes()['database-endpoints'].properties!.definition.subsets[0].addresses).toEqual([{ ip: { get_attribute: ['vm', 'ip'] } }]);
  });

  test('a DNS name becomes an ExternalName Service without Endpoints', () => {
    const external = new K8sExternalService(stack, 'Database', { address: 'db.example.com', port: 3306 });
    expect([nodes()['database-service'].properties!.definition.spec.externalName, external.endpoints]).toEqual(['db.example.com', undefined]);
  });
});

describe('clusters', () => {
  test('an existing cluster\'s kubeconfig path and context become every object\'s client_config', () => {
    const cluster = K8sCluster.fromKubeconfig(stack, 'Cluster', { path: 'kubeconfig.yaml', context: 'staging' });
    new K8sManifest(stack, 'App', { cluster, objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }] });
    expect(nodes()['app-config-map-a'].properties!.client_config).toEqual({ kubeconfig_path: 'kubeconfig.yaml', context: 'staging' });
  });

  test('objects without a cluster carry no client_config (the deploying machine\'s kubeconfig applies)', () => {
    new K8sManifest(stack, 'App', { objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }] });
    expect(nodes()['app-config-map-a'].properties!.client_config).toBeUndefined();
  });

  test('fails if a cluster is given both a kubeconfig path and in-cluster credentials', () => {
    expect(() => new K8sCluster(stack, 'Cluster', { kubeconfigPath: 'a', inCluster: true })).toThrow(/^demo\/Cluster: set at most one of kubeconfig, kubeconfigPath and inCluster, got kubeconfigPath and inCluster/);
  });
});
