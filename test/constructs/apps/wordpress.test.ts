import { App, Stack } from '../../../lib/core/app';
import { Output, Secret } from '../../../lib/core/inputs';
import { NodeTemplate } from '../../../lib/core/node-template';
import { builtinCatalogue } from '../../../lib/core/types';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { WordpressApp } from '../../../constructs/apps';
import { K8sServiceType } from '../../../constructs/kubernetes';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'blog');
});

afterEach(() => {
  App.resetCreated();
});

const synth = () => synthesizeStack(stack).blueprint;
const definition = (node: string) => synth().node_templates[node].properties!.definition;
const targets = (node: string) => (synth().node_templates[node].relationships ?? []).map((relationship: any) => relationship.target).sort();

test('a WordpressApp is MySQL, its claim and Service, WordPress, its claim and Service, and a Secret', () => {
  new WordpressApp(stack, 'Site');
  expect(Object.fromEntries(Object.entries(synth().node_templates).map(([name, node]) => [name, node.type]))).toEqual({
    'site-credentials': 'hybrid.nodes.kubernetes.Secret',
    'site-data': 'hybrid.nodes.kubernetes.PersistentVolumeClaim',
    'site-mysql': 'hybrid.nodes.kubernetes.Deployment',
    'site-mysql-data': 'hybrid.nodes.kubernetes.PersistentVolumeClaim',
    'site-mysql-service': 'hybrid.nodes.kubernetes.Service',
    'site-wordpress': 'hybrid.nodes.kubernetes.Deployment',
    'site-wordpress-service': 'hybrid.nodes.kubernetes.Service',
  });
});

test('the blueprint of a WordpressApp validates against the hybrid types', () => {
  new WordpressApp(stack, 'Site');
  expect(validateBlueprint(synth(), builtinCatalogue())).toEqual([]);
});

test('WordPress deploys after MySQL, its volume and the credentials', () => {
  new WordpressApp(stack, 'Site');
  expect(targets('site-wordpress')).toEqual(['site-credentials', 'site-data', 'site-mysql']);
});

test('the database password is generated in the cluster unless one is given', () => {
  new WordpressApp(stack, 'Site');
  expect(synth().node_templates['site-credentials'].properties!.generate).toEqual({ password: 32, 'root-password': 32 });
});

test('a database password given as a hybrid Secret is a get_secret in the Secret and nowhere else', () => {
  new WordpressApp(stack, 'Site', { databasePassword: Secret.fromName('wordpress-db-password') });
  const blueprint = JSON.stringify(synth());
  expect([definition('site-credentials').stringData, blueprint.match(/get_secret/g)!.length]).toEqual([{ password: { get_secret: 'wordpress-db-password' } }, 1]);
});

test('WordPress reads the database password from the Secret', () => {
  new WordpressApp(stack, 'Site');
  const env = definition('site-wordpress').spec.template.spec.containers[0].env;
  expect(env.find((variable: any) => variable.name === 'WORDPRESS_DB_PASSWORD')).toEqual({ name: 'WORDPRESS_DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'wordpress-db-credentials', key: 'password' } } });
});

test('replicas, images, storage sizes and resources go where they belong', () => {
  new WordpressApp(stack, 'Site', { replicas: 3, wordpressImage: 'wordpress:6.5', mysqlImage: 'mysql:8.4', wordpressStorage: '5Gi', mysqlStorage: '50Gi', wordpressResources: { requests: { cpu: '250m' } } });
  const wordpress = definition('site-wordpress');
  expect([
    wordpress.spec.replicas,
    wordpress.spec.template.spec.containers[0].image,
    wordpress.spec.template.spec.containers[0].resources,
    definition('site-mysql').spec.template.spec.containers[0].image,
    definition('site-data').spec.resources.requests.storage,
    definition('site-mysql-data').spec.resources.requests.storage,
  ]).toEqual([3, 'wordpress:6.5', { requests: { cpu: '250m' } }, 'mysql:8.4', '5Gi', '50Gi']);
});

test('by default WordPress is a LoadBalancer Service waited for, and its URL is the load balancer\'s', () => {
  const site = new WordpressApp(stack, 'Site');
  new Output(stack, 'url', { value: site.url });
  expect([synth().node_templates['site-wordpress-service'].properties!.wait, synth().outputs!.url.value]).toEqual([
    { timeout: 480, load_balancer: true },
    { concat: ['http://', { get_attribute: ['site-wordpress-service', 'load_balancer'] }, '/'] },
  ]);
});

test('a NodePort WordPress\'s URL is a node\'s address and the node port', () => {
  const site = new WordpressApp(stack, 'Site', { serviceType: K8sServiceType.NODE_PORT });
  new Output(stack, 'url', { value: site.url });
  expect(synth().outputs!.url.value).toEqual({ concat: ['http://', { get_attribute: ['site-wordpress-service', 'node_address'] }, ':', { get_attribute: ['site-wordpress-service', 'node_ports', 'http'] }, '/'] });
});

test('a ClusterIP WordPress in a known namespace has its in-cluster URL at synth', () => {
  const site = new WordpressApp(stack, 'Site', { serviceType: K8sServiceType.CLUSTER_IP, namespace: 'blog' });
  expect(site.url).toBe('http://wordpress.blog.svc.cluster.local/');
});

describe('a database outside the cluster', () => {
  test('runs no MySQL and gives the database an in-cluster name with Endpoints at its address', () => {
    const vm = new NodeTemplate(stack, 'DbVm', { type: 'cloudify.nodes.Compute' });
    new WordpressApp(stack, 'Site', { externalDatabase: { address: vm.attr('ip'), password: Secret.fromName('db-password') } });
    const nodes = synth().node_templates;
    expect([nodes['site-mysql'], definition('site-database-endpoints').subsets[0].addresses]).toEqual([undefined, [{ ip: { get_attribute: ['db-vm', 'ip'] } }]]);
  });

  test('WordPress connects to that name and port', () => {
    new WordpressApp(stack, 'Site', { externalDatabase: { address: '10.0.0.5', port: 3307, password: Secret.fromName('db-password') } });
    const env = definition('site-wordpress').spec.template.spec.containers[0].env;
    expect(env[0]).toEqual({ name: 'WORDPRESS_DB_HOST', value: 'wordpress-mysql:3307' });
  });

  test('fails if the external database\'s password is a literal string', () => {
    expect(() => new WordpressApp(stack, 'Site', { externalDatabase: { address: '10.0.0.5', password: 'hunter22' as any } })).toThrow(/^blog\/Site: externalDatabase\.password must be a hybrid Secret .*a literal string, which would be written into the blueprint in plain text/);
  });
});

test('fails if the name is not a DNS label, naming the construct', () => {
  expect(() => new WordpressApp(stack, 'Site', { name: 'My Blog' })).toThrow(/^blog\/Site: name must be lowercase letters, digits and '-'/);
});

test('fails if WordPress would be an ExternalName Service', () => {
  expect(() => new WordpressApp(stack, 'Site', { serviceType: K8sServiceType.EXTERNAL_NAME })).toThrow(/^blog\/Site: serviceType must be LOAD_BALANCER, NODE_PORT or CLUSTER_IP/);
});
