import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from '../../../lib/core/app';
import { Secret } from '../../../lib/core/inputs';
import { builtinCatalogue } from '../../../lib/core/types';
import { HostAuth, HostKey } from '../../../constructs/hosts';
import { K8sCluster } from '../../../constructs/kubernetes/cluster';
import {
  EnvironmentDelivery, RecoveryAction, ServiceAccount, ServiceBinary, StartType, WindowsHost, WindowsService,
} from '../../../constructs/windows';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { invalidPropsMessage } from '../../support/errors';

const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);
let stack: Stack;
let host: WindowsHost;
let binaryDirectory: string;

beforeAll(() => {
  binaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-windows-constructs-'));
  fs.writeFileSync(path.join(binaryDirectory, 'app.exe'), 'MZ fake binary');
});

afterAll(() => fs.rmSync(binaryDirectory, { recursive: true, force: true }));

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
  host = new WindowsHost(stack, 'Win', { address: '10.0.0.9', user: 'Administrator', auth: HostAuth.keyFile('~/.ssh/id_ed25519'), hostKey: HostKey.fingerprint(FINGERPRINT) });
});

afterEach(() => App.resetCreated());

const blueprint = () => synthesizeStack(stack).blueprint;
const localBinary = () => ServiceBinary.fromLocalFile(path.join(binaryDirectory, 'app.exe'));

test('a WindowsHost synthesizes to a hybrid.nodes.windows.Host with its connection properties', () => {
  expect(blueprint().node_templates.win).toEqual({
    type: 'hybrid.nodes.windows.Host',
    properties: { address: '10.0.0.9', user: 'Administrator', auth: { method: 'key_file', path: '~/.ssh/id_ed25519' }, host_key: { fingerprint: FINGERPRINT } },
  });
});

test('a WindowsService is contained in its host and carries every setting', () => {
  new WindowsService(stack, 'Api', {
    host,
    serviceName: 'hybrid-api',
    binary: ServiceBinary.onHost('C:\\apps\\api\\api.exe'),
    displayName: 'Hybrid API',
    description: 'Serves the API',
    arguments: ['--port', '8080'],
    environment: { API_MODE: 'production' },
    startType: StartType.DELAYED_AUTO,
    account: ServiceAccount.localService(),
    dependsOnServices: ['Tcpip'],
    recovery: { actions: [RecoveryAction.restart(5), RecoveryAction.none()], resetPeriod: 3600 },
    healthCheckPort: 8080,
  });
  expect(blueprint().node_templates.api).toEqual({
    type: 'hybrid.nodes.windows.Service',
    properties: {
      name: 'hybrid-api',
      binary_path: 'C:\\apps\\api\\api.exe',
      display_name: 'Hybrid API',
      description: 'Serves the API',
      arguments: ['--port', '8080'],
      environment: { API_MODE: 'production' },
      start_type: 'delayed-auto',
      account: 'NT AUTHORITY\\LocalService',
      dependencies: ['Tcpip'],
      recovery: { reset_period: 3600, actions: [{ action: 'restart', delay: 5 }, { action: 'none', delay: 0 }] },
      health_port: 8080,
    },
    relationships: [{ type: 'cloudify.relationships.contained_in', target: 'win' }],
  });
});

test('the synthesized blueprint is valid against the hybrid types', () => {
  new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary() });
  expect(validateBlueprint(blueprint(), builtinCatalogue())).toEqual([]);
});

test('an uploaded binary carries a digest of its content, so a new build is planned as an update', () => {
  new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary() });
  expect(blueprint().node_templates.api.properties!.binary_digest).toBe('sha256:' + require('crypto').createHash('sha256').update('MZ fake binary').digest('hex'));
});

test('a user account password stays a secret reference', () => {
  new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), account: ServiceAccount.user('.\\svc-api', Secret.fromName('svc-api-password')) });
  expect(blueprint().node_templates.api.properties!.password).toEqual({ get_secret: 'svc-api-password' });
});

test('a dependency on another WindowsService names it and deploys it first', () => {
  const database = new WindowsService(stack, 'Db', { host, serviceName: 'db', binary: localBinary() });
  new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), dependsOnServices: [database] });
  const api = blueprint().node_templates.api;
  expect(api.properties!.dependencies).toEqual(['db']);
  expect(api.relationships).toContainEqual({ type: 'cloudify.relationships.depends_on', target: 'db' });
});

test('fails if the service name holds a space', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'my api', binary: localBinary() }))).toMatch(/serviceName must be 1 to 80 letters, digits, '_', '\.' and '-'.*got "my api"/);
});

test('fails if the binary path on the host is relative', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: ServiceBinary.onHost('apps\\api.exe') }))).toMatch(/must be an absolute Windows path/);
});

test('fails if the local binary does not exist', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: ServiceBinary.fromLocalFile('/no/such/app.exe') }))).toMatch(/the binary "\/no\/such\/app.exe" is not a file/);
});

test('fails if an argument holds a line break', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), arguments: ['a\nb'] }))).toMatch(/arguments\[0\] must not contain a line break/);
});

test('fails if a launcher environment value is not printable ASCII', () => {
  expect(
    invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), environment: { GREETING: 'grüß' }, environmentDelivery: EnvironmentDelivery.LAUNCHER })),
  ).toMatch(/environment.GREETING must be printable ASCII with EnvironmentDelivery.LAUNCHER/);
});

test('fails if an environment value is empty', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), environment: { EMPTY: '' } }))).toMatch(/environment.EMPTY must not be empty/);
});

test('fails if a run-command recovery action has no command', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), recovery: { actions: [RecoveryAction.runCommand(1)] } }))).toMatch(
    /recovery.command must name the command/,
  );
});

test('fails if the account password is a plain string', () => {
  expect(invalidPropsMessage(() => new WindowsService(stack, 'Api', { host, serviceName: 'api', binary: localBinary(), account: ServiceAccount.user('.\\svc', 'hunter2' as any) }))).toMatch(
    /takes the password as a secret reference/,
  );
});

test('fails if the data directory holds a space', () => {
  expect(invalidPropsMessage(() => new WindowsHost(stack, 'Other', { address: 'h', user: 'u', auth: HostAuth.agent(), dataDirectory: 'C:\\Program Data\\hybrid' }))).toMatch(/dataDirectory must be an absolute Windows path/);
});

describe('exposeToCluster', () => {
  test('makes a selectorless Service and Endpoints holding the host address and port', () => {
    const cluster = K8sCluster.fromKubeconfig(stack, 'Cluster', { path: 'kubeconfig.yaml' });
    const service = new WindowsService(stack, 'Pricing', { host, serviceName: 'pricing', binary: localBinary() });
    service.exposeToCluster(cluster, { name: 'pricing', port: 9000 });
    const nodes = blueprint().node_templates;
    const [serviceNode] = Object.values(nodes).filter((node: any) => node.type === 'hybrid.nodes.kubernetes.Service') as any[];
    const [endpointsNode] = Object.values(nodes).filter((node: any) => node.type === 'hybrid.nodes.kubernetes.Endpoints') as any[];
    expect(serviceNode.properties.definition.spec).toEqual({ ports: [{ name: 'tcp', port: 9000, targetPort: 9000 }] });
    expect(endpointsNode.properties.definition.subsets).toEqual([{ addresses: [{ ip: { get_attribute: ['win', 'ip'] } }], ports: [{ name: 'tcp', port: 9000 }] }]);
  });

  test('deploys the Service and Endpoints after the Windows service', () => {
    const service = new WindowsService(stack, 'Pricing', { host, serviceName: 'pricing', binary: localBinary() });
    service.exposeToCluster(K8sCluster.fromKubeconfig(stack, 'Cluster'), { name: 'pricing', port: 9000, namespace: 'shop' });
    const nodes = blueprint().node_templates;
    for (const node of Object.values(nodes).filter((candidate: any) => candidate.type.startsWith('hybrid.nodes.kubernetes.')) as any[]) {
      expect(node.relationships).toContainEqual({ type: 'cloudify.relationships.depends_on', target: 'pricing' });
    }
  });

  test('names the Service pods resolve', () => {
    const service = new WindowsService(stack, 'Pricing', { host, serviceName: 'pricing', binary: localBinary() });
    expect(service.exposeToCluster(K8sCluster.fromKubeconfig(stack, 'Cluster'), { name: 'pricing', port: 9000, namespace: 'shop' }).dnsName).toBe('pricing.shop.svc.cluster.local');
  });

  test('fails if the name is not a DNS label', () => {
    const service = new WindowsService(stack, 'Pricing', { host, serviceName: 'pricing', binary: localBinary() });
    expect(invalidPropsMessage(() => service.exposeToCluster(K8sCluster.fromKubeconfig(stack, 'Cluster'), { name: 'Pricing_Engine', port: 9000 }))).toMatch(/exposeToCluster name must be a DNS label/);
  });
});

test('fails if exposeToCluster is given something other than a cluster', () => {
  const service = new WindowsService(stack, 'Pricing', { host, serviceName: 'pricing', binary: localBinary() });
  expect(invalidPropsMessage(() => service.exposeToCluster('my-cluster' as any, { name: 'pricing', port: 9000 }))).toMatch(/exposeToCluster takes a K8sCluster/);
});
