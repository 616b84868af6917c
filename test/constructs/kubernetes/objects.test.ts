import { App, Stack } from '../../../lib/core/app';
import { Secret } from '../../../lib/core/inputs';
import { NodeTemplate } from '../../../lib/core/node-template';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { builtinCatalogue } from '../../../lib/core/types';
import {
  K8sCluster, K8sConfigMap, K8sCronJob, K8sDeployment, K8sIngress, K8sJob, K8sNamespace, K8sObject, K8sPersistentVolumeClaim, K8sRole, K8sRoleBinding,
  K8sSecret, K8sService, K8sServiceAccount, K8sServiceType, K8sStatefulSet,
} from '../../../constructs/kubernetes';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const synth = () => synthesizeStack(stack).blueprint;
const nodes = () => synth().node_templates;
const dependencies = (node: string) => (nodes()[node].relationships ?? []).map((relationship: any) => relationship.target);
const web = (scope = stack, props: object = {}) => new K8sDeployment(scope, 'Web', { containers: [{ name: 'web', image: 'nginx:1.25' }], ...props });

describe('objects in the blueprint', () => {
  test('a Deployment becomes a hybrid.nodes.kubernetes.Deployment whose definition is the API object', () => {
    web();
    expect(nodes().web).toEqual({
      type: 'hybrid.nodes.kubernetes.Deployment',
      properties: {
        definition: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
            template: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
          },
        },
      },
    });
  });

  test('every typed object synthesizes a blueprint that validates against the hybrid types', () => {
    const namespace = new K8sNamespace(stack, 'Shop');
    const config = new K8sConfigMap(stack, 'Settings', { namespace, data: { mode: 'production' } });
    const secret = new K8sSecret(stack, 'Credentials', { namespace, data: { password: Secret.fromName('db-password') } });
    const claim = new K8sPersistentVolumeClaim(stack, 'Data', { namespace, storage: '1Gi' });
    const deployment = web(stack, { namespace, containers: [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'MODE', valueFrom: config.envValue('mode') }, { name: 'PASSWORD', valueFrom: secret.envValue('password') }] }] });
    deployment.mountVolume(claim.volume(), '/data');
    const service = deployment.expose('Service', { ports: [{ port: 80 }] });
    const headless = new K8sService(stack, 'Db', { namespace, clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 3306 }] });
    new K8sStatefulSet(stack, 'Database', { namespace, serviceName: headless, containers: [{ name: 'db', image: 'mysql:8.0', volumeMounts: [{ name: 'data', mountPath: '/var/lib/mysql' }] }], volumeClaimTemplates: [{ name: 'data', storage: '5Gi' }] });
    new K8sJob(stack, 'Migrate', { namespace, containers: [{ name: 'migrate', image: 'busybox:1.36' }] });
    new K8sCronJob(stack, 'Backup', { namespace, schedule: '0 3 * * *', containers: [{ name: 'backup', image: 'busybox:1.36' }] });
    const ingress = new K8sIngress(stack, 'Public', { namespace });
    ingress.addRule('/', service, 80, 'shop.example.com');
    const account = new K8sServiceAccount(stack, 'Reader', { namespace });
    const role = new K8sRole(stack, 'PodReader', { namespace, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    new K8sRoleBinding(stack, 'ReadPods', { namespace, role, serviceAccounts: [account] });
    expect(validateBlueprint(synth(), builtinCatalogue())).toEqual([]);
  });

  test('a Secret\'s values are get_secret functions in the blueprint, never the values', () => {
    new K8sSecret(stack, 'Credentials', { data: { password: Secret.fromName('db-password') } });
    expect(nodes().credentials.properties!.definition.stringData).toEqual({ password: { get_secret: 'db-password' } });
  });

  test('a Secret\'s generated keys become the generate property with their length', () => {
    new K8sSecret(stack, 'Credentials', { generate: ['password'], generateLength: 24 });
    expect(nodes().credentials.properties!.generate).toEqual({ password: 24 });
  });

  test('wait and conflict options become the wait and force_conflicts properties', () => {
    web(stack, { readyTimeout: 60, waitForReady: false, forceConflicts: true });
    expect([nodes().web.properties!.wait, nodes().web.properties!.force_conflicts]).toEqual([{ ready: false, timeout: 60 }, true]);
  });

  test('a ready timeout longer than the engine\'s default operation timeout lengthens the operations that wait', () => {
    web(stack, { readyTimeout: 900 });
    expect(nodes().web.interfaces!['cloudify.interfaces.lifecycle'].start).toEqual({ implementation: 'hybrid.kubernetes.resource.wait', timeout: 960 });
  });

  test('a LoadBalancer Service asked to wait for its address sets wait.load_balancer', () => {
    new K8sService(stack, 'Public', { type: K8sServiceType.LOAD_BALANCER, waitForLoadBalancer: true, selector: { app: 'web' }, ports: [{ port: 80 }] });
    expect(nodes().public.properties!.wait).toEqual({ load_balancer: true });
  });

  test('a CronJob is written as batch/v1', () => {
    new K8sCronJob(stack, 'Backup', { schedule: '@daily', containers: [{ name: 'backup', image: 'busybox:1.36' }] });
    expect(nodes().backup.properties!.definition.apiVersion).toBe('batch/v1');
  });

  test('a container added after construction is in the definition', () => {
    web().addContainer({ name: 'sidecar', image: 'busybox:1.36' });
    expect(nodes().web.properties!.definition.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web', 'sidecar']);
  });

  test('expose selects the workload\'s pods with a Service of the workload\'s name', () => {
    web().expose('Service', { ports: [{ port: 80 }] });
    expect(nodes()['web-service'].properties!.definition).toMatchObject({ metadata: { name: 'web' }, spec: { selector: { 'app.kubernetes.io/name': 'web' } } });
  });

  test('a Service\'s dnsName is known at synth when its namespace is given', () => {
    const service = new K8sService(stack, 'Api', { namespace: 'shop', selector: { app: 'api' }, ports: [{ port: 80 }] });
    expect(service.dnsName).toBe('api.shop.svc.cluster.local');
  });
});

describe('order', () => {
  test('an object deploys after the Namespace of this stack it names by string', () => {
    new K8sNamespace(stack, 'Shop');
    new K8sConfigMap(stack, 'Settings', { namespace: 'shop', data: { a: '1' } });
    expect(dependencies('settings')).toEqual(['shop']);
  });

  test('a workload deploys after the Secret, ConfigMap and claim it names', () => {
    const secret = new K8sSecret(stack, 'Credentials', { generate: ['password'] });
    const config = new K8sConfigMap(stack, 'Settings', { data: { a: '1' } });
    const claim = new K8sPersistentVolumeClaim(stack, 'Data', { storage: '1Gi' });
    const deployment = web(stack, { containers: [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'P', valueFrom: secret.envValue('password') }], envFrom: [config.envFrom()] }] });
    deployment.mountVolume(claim.volume(), '/data');
    expect(dependencies('web').sort()).toEqual(['credentials', 'data', 'settings']);
  });

  test('a custom resource deploys after the CustomResourceDefinition of its kind', () => {
    new K8sObject(stack, 'WidgetKind', { definition: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [] } } });
    new K8sObject(stack, 'Small', { definition: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'small' }, spec: {} } });
    expect(dependencies('small')).toEqual(['widget-kind']);
  });

  test('a RoleBinding deploys after its Role and service account', () => {
    const account = new K8sServiceAccount(stack, 'Reader');
    const role = new K8sRole(stack, 'PodReader', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    new K8sRoleBinding(stack, 'ReadPods', { role, serviceAccounts: [account] });
    expect(dependencies('read-pods').sort()).toEqual(['pod-reader', 'reader']);
  });

  test('objects on a cluster created in the program deploy after the node that creates it', () => {
    const master = new NodeTemplate(stack, 'Master', { type: 'cloudify.nodes.Root' });
    const cluster = K8sCluster.fromKubeconfigAttribute(stack, 'Cluster', { node: master });
    new K8sConfigMap(stack, 'Settings', { cluster, data: { a: '1' } });
    expect(nodes().settings).toMatchObject({ properties: { client_config: { kubeconfig: { get_attribute: ['master', 'kubeconfig'] } } }, relationships: [{ target: 'master' }] });
  });

  test('objects on another cluster do not depend on this cluster\'s Namespace of the same name', () => {
    new K8sNamespace(stack, 'Shop');
    const other = K8sCluster.fromKubeconfig(stack, 'Other', { context: 'other' });
    new K8sConfigMap(stack, 'Settings', { cluster: other, namespace: 'shop', data: { a: '1' } });
    expect(nodes().settings.relationships).toBeUndefined();
  });
});

describe('validation', () => {
  test('fails if a Secret value is a literal string, saying it would be plain in the blueprint', () => {
    expect(() => new K8sSecret(stack, 'Credentials', { data: { password: 'hunter22' as any } })).toThrow(/^demo\/Credentials: data\.password must be a hybrid Secret \(Secret\.fromName\('\.\.\.'\)\) or another deploy-time value, got a literal string, which would be written into the blueprint in plain text/);
  });

  test('fails if a Deployment has no containers', () => {
    expect(() => new K8sDeployment(stack, 'Web', { containers: [] })).toThrow(/^demo\/Web: containers must be a list of at least one container/);
  });

  test('fails if a container has no image', () => {
    expect(() => new K8sDeployment(stack, 'Web', { containers: [{ name: 'web' }] })).toThrow(/^demo\/Web: container web needs an image \(e\.g\. 'nginx:1\.25'\), got undefined/);
  });

  test('fails if replicas is negative', () => {
    expect(() => web(stack, { replicas: -1 })).toThrow(/^demo\/Web: replicas must be a whole number from 0 up, got -1/);
  });

  test('fails if a claim\'s storage is not a quantity', () => {
    expect(() => new K8sPersistentVolumeClaim(stack, 'Data', { storage: '10 gigabytes' })).toThrow(/^demo\/Data: storage must be a Kubernetes quantity such as '10Gi', '512Mi' or '500m', got "10 gigabytes"/);
  });

  test('fails if a name derived from the id is not a valid object name', () => {
    expect(() => new K8sConfigMap(stack, '_', {})).toThrow(/^demo\/_: name \(derived from the id "_"\) must be lowercase letters/);
  });

  test('fails if a container mounts a volume the pod does not have, at synth', () => {
    web(stack, { containers: [{ name: 'web', image: 'nginx:1.25', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] });
    expect(() => synth()).toThrow(/demo\/Web: container web mounts volume "data", which the pod does not have \(volumes: none\)/);
  });

  test('fails if two objects of this stack are the same object, naming both', () => {
    new K8sConfigMap(stack, 'Settings', { data: { a: '1' } });
    new K8sConfigMap(stack, 'Other', { name: 'settings', data: { a: '1' } });
    expect(() => synth()).toThrow(/demo\/(Settings|Other) is the same ConfigMap \(default\/settings\)/);
  });

  test('fails if a Service with several ports leaves one unnamed', () => {
    expect(() => new K8sService(stack, 'Api', { selector: { app: 'api' }, ports: [{ port: 80, name: 'http' }, { port: 443 }] })).toThrow(/^demo\/Api: ports\[1\] needs a name/);
  });

  test('fails if a cluster is given a literal kubeconfig', () => {
    expect(() => new K8sCluster(stack, 'Cluster', { kubeconfig: 'apiVersion: v1' as any })).toThrow(/^demo\/Cluster: kubeconfig must be a Ref .*a literal kubeconfig would be written into the blueprint in plain text/);
  });

  test('fails if a cluster-scoped kind is given a namespace', () => {
    expect(() => new K8sObject(stack, 'Reader', { namespace: 'shop', definition: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', rules: [] } })).toThrow(/^demo\/Reader: a ClusterRole is not namespaced, but namespace "shop" was given/);
  });
});
