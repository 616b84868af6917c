import { App, Stack } from '../../../lib/core/app';
import { Input, InputType, Output } from '../../../lib/core/inputs';
import { builtinCatalogue } from '../../../lib/core/types';
import { Host, HostAuth } from '../../../constructs/hosts';
import { K8sClusterOnHosts, K8sClusterOnHostsProps, K8sCluster, K8sConfigMap, K8sContainerRuntime } from '../../../constructs/kubernetes';
import { DRAIN_SCRIPT, JOIN_SCRIPT, MASTER_SCRIPT, NODES_READY_SCRIPT, RESET_SCRIPT, TOKEN_SCRIPT, WORKER_SCRIPT } from '../../../constructs/kubernetes/on-hosts-scripts';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { invalidPropsMessage } from '../../support/errors';

let stack: Stack;
let master: Host;
let workers: Host[];

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
  const host = (id: string, address: string) => new Host(stack, id, { address, user: 'debian', auth: HostAuth.agent() });
  master = host('Master', '10.0.0.10');
  workers = [host('Worker1', '10.0.0.11'), host('Worker2', '10.0.0.12')];
});

afterEach(() => {
  App.resetCreated();
});

const onHosts = (props: Partial<K8sClusterOnHostsProps> = {}) => K8sCluster.onHosts(stack, 'Cluster', { master, workers, version: '1.30.3', podCidr: '10.244.0.0/16', ...props });
const nodes = () => synthesizeStack(stack).blueprint.node_templates as { [name: string]: any };
const joinOf = (worker: string) => nodes()[worker].relationships[1];

describe('K8sCluster.onHosts', () => {
  test('returns a K8sCluster', () => {
    const cluster = onHosts();
    expect([K8sCluster.isK8sCluster(cluster), cluster instanceof K8sClusterOnHosts]).toEqual([true, true]);
  });

  test('installs the master with the master script on the master host, and resets it on destroy', () => {
    onHosts();
    const node = nodes()['cluster-master'];
    expect([node.type, node.properties.create, node.properties.delete, node.properties.sudo, node.relationships[0]]).toEqual([
      'hybrid.nodes.ssh.Script', MASTER_SCRIPT, RESET_SCRIPT, true, { type: 'cloudify.relationships.contained_in', target: 'master' },
    ]);
  });

  test("the master's join command, join token and kubeconfig are secret outputs", () => {
    onHosts();
    expect(nodes()['cluster-master'].properties.secret_outputs).toEqual(['join_command', 'join_token', 'kubeconfig']);
  });

  test("the cluster's settings reach the master script through its environment", () => {
    onHosts({ serviceCidr: '10.32.0.0/16', apiServerPort: 8443, advertiseAddress: '10.0.0.10', containerRuntime: K8sContainerRuntime.PREINSTALLED, prepareHosts: false });
    expect(nodes()['cluster-master'].properties.env).toEqual({
      KUBERNETES_VERSION: '1.30.3',
      CONTAINER_RUNTIME: 'preinstalled',
      PREPARE_HOST: 'false',
      HOST_ROOT: '/',
      POD_CIDR: '10.244.0.0/16',
      SERVICE_CIDR: '10.32.0.0/16',
      API_SERVER_PORT: '8443',
      ADVERTISE_ADDRESS: '10.0.0.10',
      POD_NETWORK_MANIFEST: 'https://raw.githubusercontent.com/projectcalico/calico/v3.28.1/manifests/calico.yaml',
    });
  });

  test('installs each worker with the worker script on its own host, and resets it on destroy', () => {
    onHosts();
    const all = nodes();
    expect(['cluster-worker1', 'cluster-worker2'].map((name) => [all[name].properties.create, all[name].properties.delete, all[name].relationships[0].target])).toEqual([
      [WORKER_SCRIPT, RESET_SCRIPT, 'worker1'],
      [WORKER_SCRIPT, RESET_SCRIPT, 'worker2'],
    ]);
  });

  test("each worker joins in its relationship's establish, with the master's join command read as a target attribute", () => {
    onHosts();
    const relationship = joinOf('cluster-worker1');
    expect([relationship.type, relationship.target, relationship.source_interfaces['cloudify.interfaces.relationship_lifecycle'].establish]).toEqual([
      'cloudify.relationships.connected_to',
      'cluster-master',
      {
        implementation: 'hybrid.ssh.run',
        inputs: { script: JOIN_SCRIPT, env: { JOIN_COMMAND: { get_attribute: ['TARGET', 'join_command'] }, NODE_NAME: { get_attribute: ['SOURCE', 'node_name'] }, HOST_ROOT: '/' }, sudo: true },
        timeout: 1800,
      },
    ]);
  });

  test('on the master, makes a fresh join command right before each worker joins, as secret outputs', () => {
    onHosts();
    const preconfigure = joinOf('cluster-worker2').target_interfaces['cloudify.interfaces.relationship_lifecycle'].preconfigure;
    expect([preconfigure.inputs.script, preconfigure.inputs.secret_outputs]).toEqual([TOKEN_SCRIPT, ['join_command', 'join_token']]);
  });

  test("each worker's relationship drains and deletes its node on the master when it goes", () => {
    onHosts({ drainTimeout: 120 });
    expect(joinOf('cluster-worker2').target_interfaces['cloudify.interfaces.relationship_lifecycle'].unlink).toEqual({
      implementation: 'hybrid.ssh.run',
      inputs: { script: DRAIN_SCRIPT, env: { NODE_NAME: { get_attribute: ['SOURCE', 'node_name'] }, HOST_ROOT: '/', DRAIN_TIMEOUT: '120' }, sudo: true },
      timeout: 180,
    });
  });

  test('the readiness script runs on the master after every worker, waiting for every node by name', () => {
    onHosts();
    const node = nodes()['cluster-nodes-ready'];
    expect([node.properties.create, node.relationships.map((relationship: any) => relationship.target), node.properties.env.NODE_NAMES]).toEqual([
      NODES_READY_SCRIPT,
      ['master', 'cluster-worker1', 'cluster-worker2', 'cluster-master'],
      { concat: [{ get_attribute: ['cluster-master', 'node_name'] }, ' ', { get_attribute: ['cluster-worker1', 'node_name'] }, ' ', { get_attribute: ['cluster-worker2', 'node_name'] }] },
    ]);
  });

  test('without a pod network the readiness script waits only until the nodes registered', () => {
    onHosts({ podNetworkManifest: '' });
    expect(nodes()['cluster-nodes-ready'].properties.env.WAIT_FOR_READY).toBe('false');
  });

  test("objects on the cluster use the master's kubeconfig and are installed once every node is ready", () => {
    const cluster = onHosts();
    new K8sConfigMap(stack, 'Settings', { cluster, name: 'settings', data: { mode: 'bare-metal' } });
    const node = nodes().settings;
    expect([node.properties.client_config, node.relationships.map((relationship: any) => relationship.target)]).toEqual([
      { kubeconfig: { get_attribute: ['cluster-master', 'kubeconfig'] } },
      ['cluster-nodes-ready', 'cluster-master'],
    ]);
  });

  test("the endpoint is the master's endpoint output", () => {
    new Output(stack, 'api', { value: onHosts().endpoint });
    expect(synthesizeStack(stack).blueprint.outputs).toEqual({ api: { value: { get_attribute: ['cluster-master', 'endpoint'] } } });
  });

  test('a boolean input may decide whether the hosts are prepared', () => {
    const prepare = new Input(stack, 'prepareHosts', { type: InputType.BOOLEAN, default: true });
    onHosts({ prepareHosts: prepare.value });
    expect(nodes()['cluster-worker1'].properties.env.PREPARE_HOST).toEqual({ get_input: 'prepareHosts' });
  });

  test('synthesizes a schema-valid blueprint', () => {
    onHosts();
    expect(validateBlueprint(synthesizeStack(stack).blueprint, builtinCatalogue())).toEqual([]);
  });
});

describe('K8sCluster.onHosts checks its props', () => {
  test('fails if there is no worker, naming the cluster', () => {
    expect(invalidPropsMessage(() => onHosts({ workers: [] }))).toMatch(/^demo\/Cluster: workers must list at least one Host \(kubeadm keeps pods off the master\), got \[\]/);
  });

  test('fails if a worker is the master', () => {
    expect(invalidPropsMessage(() => onHosts({ workers: [workers[0], master] }))).toContain('workers[1] is the master (demo/Master); a host is either the master or a worker');
  });

  test('fails if a worker is listed twice', () => {
    expect(invalidPropsMessage(() => onHosts({ workers: [workers[0], workers[0]] }))).toContain('workers[1] (demo/Worker1) is listed twice');
  });

  test('fails if the master is not a Host', () => {
    expect(invalidPropsMessage(() => onHosts({ master: '10.0.0.10' as any }))).toContain('master must be a Host, got "10.0.0.10"');
  });

  test('fails if the version is not major.minor.patch', () => {
    expect(invalidPropsMessage(() => onHosts({ version: 'v1.30' }))).toContain("version must be a Kubernetes release as major.minor.patch, such as '1.30.3', got \"v1.30\"");
  });

  test('fails if the version predates the packages of pkgs.k8s.io', () => {
    expect(invalidPropsMessage(() => onHosts({ version: '1.23.17' }))).toContain('version must be 1.24.0 or later (pkgs.k8s.io has no packages before), got "1.23.17"');
  });

  test('fails if the pod CIDR is not an IPv4 range', () => {
    expect(invalidPropsMessage(() => onHosts({ podCidr: '10.244.0.0' }))).toContain('podCidr must be an IPv4 range such as 10.244.0.0/16, got "10.244.0.0"');
  });

  test('fails if the pod and Service ranges overlap', () => {
    expect(invalidPropsMessage(() => onHosts({ podCidr: '10.0.0.0/8' }))).toContain('podCidr 10.0.0.0/8 and serviceCidr 10.96.0.0/12 overlap; give them separate ranges');
  });

  test('fails if the API server port is out of range', () => {
    expect(invalidPropsMessage(() => onHosts({ apiServerPort: 70000 }))).toContain('apiServerPort must be a whole number from 1 to 65535, got 70000');
  });

  test('fails if the advertise address is not an IP address', () => {
    expect(invalidPropsMessage(() => onHosts({ advertiseAddress: 'master.example.com' }))).toContain('advertiseAddress must be an IP address of the master, got "master.example.com"');
  });

  test('fails if the container runtime is unknown', () => {
    expect(invalidPropsMessage(() => onHosts({ containerRuntime: 'docker' as any }))).toContain('containerRuntime must be one of containerd, preinstalled, got "docker"');
  });

  test("fails before making any node, so the program's tree holds none of a refused cluster", () => {
    invalidPropsMessage(() => onHosts({ version: 'latest' }));
    expect(Object.keys(nodes()).sort()).toEqual(['master', 'worker1', 'worker2']);
  });
});
