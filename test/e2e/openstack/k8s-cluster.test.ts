/**
 * samples/k8s-on-openstack through the CLI, on the real OpenStack test cloud and a real Kubernetes
 * control plane: the network, the master and two worker VMs, each worker a unit of port, server,
 * floating IP and volume. The VM simulator gives every ACTIVE server with a floating IP a real
 * sshd on that address, trusting its key pair, whose kubeadm, kubectl, systemctl, containerd and
 * apt-get are the recording doubles of test/support/ssh; the master's `kubeadm init` writes the
 * real control plane's kubeconfig, so WordPress lands on the real API server.
 *
 * Then `workers.count` goes from 2 to 3 in the program: the plan creates exactly one worker unit
 * and changes nothing else, and the deploy joins the third worker; back to 2, the plan deletes
 * exactly that unit, whose node the master drains before its VM goes. Destroy leaves nothing in
 * the project.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import type { StateSnapshot } from '../../../lib/engine/state/types';
import type { Plan } from '../../../lib/engine/plan-types';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { REPO, assertBuilt, makeProject, readTree } from '../../cli/support';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { EMPTY_PROJECT, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';
import { SimulatedVm, VmSimulator, novaHostname, startVmSimulator } from '../../support/openstack/vm-simulator';
import { RecordedCommand, readRecordedCommands } from '../../support/ssh/recording-commands';
import { projectCli } from '../kubernetes/support';

const SAMPLE = path.join(REPO, 'samples', 'k8s-on-openstack');
const STACK = 'k8s-on-openstack';
/** What one worker unit is made of, by node. */
const WORKER_UNIT = ['cluster-worker', 'cluster-worker-host', 'cluster-worker-vm-floating-ip', 'cluster-worker-vm-port', 'cluster-worker-vm-server', 'cluster-worker-vm-volume-attachment0', 'cluster-worker-vm-volume0'];

describe('samples/k8s-on-openstack on a real OpenStack and a real Kubernetes control plane', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let openstack: OpenStackClient;
  let controlPlane: ControlPlane;
  let nodes: NodeSimulator;
  let kubernetes: KubernetesApi;
  let vms: VmSimulator;
  let directory: string;
  let clientKeyData: string;
  let state: StateSnapshot | undefined;
  let scalePlan: Plan;

  const cli = projectCli(() => directory, () => project.env, 540_000);
  const transcripts = cli.transcripts;
  const loadState = async () => (state = await new FileStateStore(path.join(directory, '.hybrid', STACK)).load());
  const runtime = (instance: string) => state!.instances[instance].runtimeProperties;
  const instancesOf = (node: string) => Object.values(state!.instances).filter((instance) => instance.node === node).map((instance) => instance.id).sort();
  /** The simulated VM of a server instance. */
  const vmOf = (serverInstance: string): SimulatedVm => {
    const vm = vms.vms().find((candidate) => candidate.serverId === runtime(serverInstance).id);
    if (!vm) throw new Error(`no VM ran for ${serverInstance}`);
    return vm;
  };
  const calls = (vm: SimulatedVm, filter: (call: RecordedCommand) => boolean = () => true) => readRecordedCommands(vm).filter(filter);
  const joined = (vm: SimulatedVm) => calls(vm, (call) => call.command === 'kubeadm' && call.args[0] === 'join' && call.exitCode === 0);
  const workerVms = () => instancesOf('cluster-worker-vm-server').map(vmOf);

  beforeAll(async () => {
    assertBuilt();
    [cloud, controlPlane] = await Promise.all([startOpenStack(), startControlPlane()]);
    project = await cloud.project('k8s');
    openstack = project.client();
    nodes = await NodeSimulator.start(controlPlane.credentials);
    kubernetes = controlPlane.createApi();
    const kubeconfig = fs.readFileSync(controlPlane.kubeconfigPath, 'utf8');
    clientKeyData = /client-key-data: (\S+)/.exec(kubeconfig)![1];
    vms = await startVmSimulator({ client: project.client(), adminConf: kubeconfig });
    const inputs = [
      'image: cirros',
      'flavor: m1.nano',
      `sshUser: ${os.userInfo().username}`,
      `sshPort: ${vms.sshPort}`,
      // The kubeconfig is the test control plane's (on 127.0.0.1): keep it as the master wrote it.
      'apiAccess: advertised',
      'prepareHosts: false',
      "hostRoot: '.'",
    ];
    directory = makeProject({
      'main.ts': fs.readFileSync(path.join(SAMPLE, 'main.ts'), 'utf8'),
      'hybrid.json': fs.readFileSync(path.join(SAMPLE, 'hybrid.json'), 'utf8'),
      'inputs.yaml': inputs.join('\n') + '\n',
    }, 'hybrid-k8s-openstack-');
  }, 900_000);

  afterAll(async () => {
    if (directory && !transcripts.destroy) await cli('cleanup', ['destroy', '--yes']);
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
    openstack?.close();
    kubernetes?.close();
    await vms?.stop();
    await nodes?.stop();
    await Promise.all([controlPlane?.stop(), cloud?.cleanup()]);
  }, 600_000);

  describe('the first deploy', () => {
    test('succeeds', async () => {
      const result = await cli('deploy', ['deploy', '--yes', '--no-typecheck']);
      await loadState();
      expect({ code: result.code, output: result.code === 0 ? '' : transcripts.deploy }).toEqual({ code: 0, output: '' });
    }, 900_000);

    test("made the sample's subnet on its network, a router with its gateway on public and an interface on the subnet, and every VM's port on that network", async () => {
      const subnet = (await openstack.get('network', `/v2.0/subnets/${runtime('network-subnet_0').id}`)).body.subnet;
      const router = (await openstack.get('network', `/v2.0/routers/${runtime('network-router_0').id}`)).body.router;
      const publicId = (await openstack.get('network', '/v2.0/networks', { query: { name: 'public' } })).body.networks[0].id;
      const interfaces = await openstack.list('network', '/v2.0/ports', 'ports', { query: { device_id: router.id, device_owner: 'network:router_interface' } });
      const vmPorts = await Promise.all(['cluster-master-vm-port_0', ...instancesOf('cluster-worker-vm-port')].map(async (instance) => (await openstack.get('network', `/v2.0/ports/${runtime(instance).id}`)).body.port.network_id));
      expect([subnet.network_id, subnet.cidr, router.external_gateway_info.network_id, interfaces.map((port: any) => port.fixed_ips[0].subnet_id), [...new Set(vmPorts)]]).toEqual([
        runtime('network-network_0').id, '10.20.0.0/24', publicId, [subnet.id], [runtime('network-network_0').id],
      ]);
    });

    test('made one master and two worker servers, ACTIVE, each on its own port with the key pair', async () => {
      const servers = await Promise.all(['cluster-master-vm-server_0', ...instancesOf('cluster-worker-vm-server')].map(async (instance) => (await openstack.get('compute', `/servers/${runtime(instance).id}`)).body.server));
      const ports = await Promise.all(servers.map(async (server: any) => (await openstack.list('network', '/v2.0/ports', 'ports', { query: { device_id: server.id } })).length));
      expect(servers.map((server: any) => [server.status, server.key_name])).toEqual([0, 1, 2].map(() => ['ACTIVE', runtime('cluster-key-pair_0').name]));
      expect(ports).toEqual([1, 1, 1]);
    });

    test("made the worker servers, and not the master, in the workers' soft anti-affinity server group", async () => {
      const group = (await openstack.get('compute', `/os-server-groups/${runtime('worker-spread_0').id}`)).body.server_group;
      expect([group.policy, group.members.sort()]).toEqual(['soft-anti-affinity', instancesOf('cluster-worker-vm-server').map((instance) => runtime(instance).id).sort()]);
    });

    test("gave each server a floating IP on its port, from the external network", async () => {
      const ips = await Promise.all([...instancesOf('cluster-master-vm-floating-ip'), ...instancesOf('cluster-worker-vm-floating-ip')].map(async (instance) => (await openstack.get('network', `/v2.0/floatingips/${runtime(instance).id}`)).body.floatingip));
      const serverOfPort = async (portId: string) => (await openstack.get('network', `/v2.0/ports/${portId}`)).body.port.device_id;
      const servers = await Promise.all(ips.map((ip: any) => serverOfPort(ip.port_id)));
      expect(servers.sort()).toEqual(['cluster-master-vm-server_0', ...instancesOf('cluster-worker-vm-server')].map((instance) => runtime(instance).id).sort());
    });

    test('attached a volume to each worker, and none to the master', async () => {
      const volumes = await openstack.list('block-storage', '/volumes/detail', 'volumes');
      expect(volumes.map((volume: any) => [volume.status, volume.attachments.map((attachment: any) => attachment.server_id)[0]]).sort()).toEqual(
        instancesOf('cluster-worker-vm-server').map((instance) => ['in-use', runtime(instance).id]).sort(),
      );
    });

    test("put the master in the network's default security group and the cluster's group, which opens the API port and the NodePorts", async () => {
      const port = (await openstack.get('network', `/v2.0/ports/${runtime('cluster-master-vm-port_0').id}`)).body.port;
      const group = (await openstack.get('network', `/v2.0/security-groups/${runtime('cluster-api-security-group_0').id}`)).body.security_group;
      const ingress = group.security_group_rules.filter((rule: any) => rule.direction === 'ingress').map((rule: any) => `${rule.port_range_min}-${rule.port_range_max} ${rule.remote_ip_prefix ?? 'group'}`);
      expect([port.security_groups.sort(), ingress.sort()]).toEqual([
        [runtime('network-security-group_0').id, runtime('cluster-api-security-group_0').id].sort(), ['30000-32767 0.0.0.0/0', '6443-6443 0.0.0.0/0', '6443-6443 group'],
      ]);
    });

    test("WordPress's url is the master's floating IP at the Service's node port", async () => {
      const result = await cli('outputs', ['outputs', '--json']);
      const service = (await kubernetes.get('/api/v1/namespaces/wordpress/services/wordpress')).body;
      expect(JSON.parse(result.stdout).url).toBe(`http://${runtime('cluster-master-vm-floating-ip_0').floating_ip_address}:${service.spec.ports[0].nodePort}/`);
    });

    test("ran kubeadm init on the master, advertising its address on the network", () => {
      const init = calls(vmOf('cluster-master-vm-server_0'), (call) => call.command === 'kubeadm' && call.args[0] === 'init');
      expect(init.map((call) => call.args.find((arg) => arg.startsWith('--apiserver-advertise-address=')))).toEqual([`--apiserver-advertise-address=${runtime('cluster-master-vm-port_0').ip}`]);
    });

    test("joined each worker once, at the master's address on the network, as its own node", () => {
      const masterAddress = `${runtime('cluster-master-vm-port_0').ip}:6443`;
      expect(workerVms().map((vm) => joined(vm).map((call) => [call.args[1], call.args[call.args.length - 1]]))).toEqual(
        workerVms().map((vm) => [[masterAddress, `--node-name=${novaHostname(vm.name)}`]]),
      );
    });

    test("the master waited for each worker's node after it joined", () => {
      const waits = calls(vmOf('cluster-master-vm-server_0'), (call) => call.command === 'kubectl' && call.args[0] === 'get' && call.args[1] === 'node').map((call) => call.args[2]);
      expect(workerVms().map((vm) => waits.includes(novaHostname(vm.name)))).toEqual([true, true]);
    });

    test("WordPress's Deployments are available on the real control plane", async () => {
      const deployments = (await kubernetes.get('/apis/apps/v1/namespaces/wordpress/deployments')).body.items;
      expect(deployments.map((deployment: any) => [deployment.metadata.name, deployment.status.availableReplicas]).sort()).toEqual([['wordpress', 1], ['wordpress-mysql', 1]]);
    });

    test('diff right after the deploy shows no changes', async () => {
      expect((await cli('diff', ['diff', '--detailed-exitcode'])).code).toBe(0);
    }, 300_000);
  });

  describe('workers.count from 2 to 3', () => {
    beforeAll(async () => {
      const program = fs.readFileSync(path.join(directory, 'main.ts'), 'utf8');
      if (!program.includes('count: 2,')) throw new Error('the sample no longer says `count: 2,`: update this test');
      fs.writeFileSync(path.join(directory, 'main.ts'), program.replace('count: 2,', 'count: 3,'));
      const result = await cli('scale-plan', ['diff', '--json']);
      // --json prints one JSON document per line; the plan is the line of type 'plan'.
      const lines = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
      scalePlan = lines.find((line) => line.type === 'plan')?.plan;
      if (!scalePlan) throw new Error(`diff --json printed no plan:\n${transcripts['scale-plan']}`);
    }, 300_000);

    test('the plan creates exactly one worker unit', () => {
      const created = scalePlan.steps.filter((step) => step.action === 'create');
      expect([created.map((step) => step.node).sort(), new Set(created.map((step) => step.instance.split('_').pop())).size]).toEqual([WORKER_UNIT, 1]);
    });

    test('the plan changes nothing else', () => {
      expect(scalePlan.summary).toEqual({ create: WORKER_UNIT.length, update: 0, replace: 0, delete: 0, same: expect.any(Number) });
    });

    test('the deploy succeeds', async () => {
      const result = await cli('scale', ['deploy', '--yes', '--no-typecheck']);
      await loadState();
      expect({ code: result.code, output: result.code === 0 ? '' : transcripts.scale }).toEqual({ code: 0, output: '' });
    }, 900_000);

    test('the project now has four ACTIVE servers', async () => {
      const servers = await openstack.list('compute', '/servers/detail', 'servers');
      expect(servers.map((server: any) => server.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
    });

    test("the third worker's server joined the workers' server group", async () => {
      const group = (await openstack.get('compute', `/os-server-groups/${runtime('worker-spread_0').id}`)).body.server_group;
      expect(group.members).toContain(runtime('cluster-worker-vm-server_2').id);
    });

    test('each worker joined with a token of its own, made on the master right before its join', () => {
      const masterTokens = fs.readFileSync(path.join(vmOf('cluster-master-vm-server_0').rootDir, 'var/lib/hybrid-fake-kubeadm/tokens'), 'utf8').split('\n');
      const used = workerVms().map((vm) => joined(vm)[0].args[3]);
      expect([new Set(used).size, used.every((token) => masterTokens.includes(token))]).toEqual([3, true]);
    });

    test('the third worker joined, and the first two did not join again', () => {
      expect(workerVms().map((vm) => joined(vm).length)).toEqual([1, 1, 1]);
    });
  });

  describe('workers.count from 3 back to 2', () => {
    let removedWorker: SimulatedVm;
    let shrinkPlan: Plan;

    beforeAll(async () => {
      removedWorker = vmOf('cluster-worker-vm-server_2');
      const program = fs.readFileSync(path.join(directory, 'main.ts'), 'utf8');
      fs.writeFileSync(path.join(directory, 'main.ts'), program.replace('count: 3,', 'count: 2,'));
      const result = await cli('shrink-plan', ['diff', '--json']);
      const lines = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
      shrinkPlan = lines.find((line) => line.type === 'plan')?.plan;
      if (!shrinkPlan) throw new Error(`diff --json printed no plan:\n${transcripts['shrink-plan']}`);
    }, 300_000);

    test('the plan deletes exactly the newest worker unit, and changes nothing else', () => {
      const deleted = shrinkPlan.steps.filter((step) => step.action === 'delete');
      expect([deleted.map((step) => step.instance).sort(), shrinkPlan.summary.create + shrinkPlan.summary.update + shrinkPlan.summary.replace]).toEqual([WORKER_UNIT.map((node) => `${node}_2`).sort(), 0]);
    });

    test('the deploy succeeds', async () => {
      const result = await cli('shrink', ['deploy', '--yes', '--no-typecheck']);
      await loadState();
      expect({ code: result.code, output: result.code === 0 ? '' : transcripts.shrink }).toEqual({ code: 0, output: '' });
    }, 900_000);

    test("the master drained and deleted the removed worker's node, then its VM went", async () => {
      const master = vmOf('cluster-master-vm-server_0');
      const onMaster = calls(master, (call) => call.command === 'kubectl' && ['drain', 'delete'].includes(call.args[0])).map((call) => call.args.slice(0, 3).join(' '));
      const servers = (await openstack.list('compute', '/servers/detail', 'servers')).map((server: any) => server.id);
      expect([onMaster, servers.includes(removedWorker.serverId), removedWorker.retired]).toEqual([
        [`drain ${novaHostname(removedWorker.name)} --ignore-daemonsets`, `delete node ${novaHostname(removedWorker.name)}`], false, true,
      ]);
    });

    test('the removed worker reset kubeadm before its VM went', () => {
      expect(calls(removedWorker, (call) => call.command === 'kubeadm').map((call) => call.args.join(' ')).slice(-1)).toEqual(['reset -f']);
    });
  });

  describe('healing a worker VM', () => {
    let before: { serverId: string; vm: SimulatedVm; drains: number; port: string; floatingIp: string };
    const masterDrainsOf = (name: string) => calls(vmOf('cluster-master-vm-server_0'), (call) => call.command === 'kubectl' && call.args[0] === 'drain' && call.args[1] === name).length;

    beforeAll(async () => {
      const vm = vmOf('cluster-worker-vm-server_1');
      before = {
        serverId: runtime('cluster-worker-vm-server_1').id, vm, drains: masterDrainsOf(novaHostname(vm.name)),
        port: runtime('cluster-worker-vm-port_1').id, floatingIp: runtime('cluster-worker-vm-floating-ip_1').floating_ip_address,
      };
    });

    test('heal succeeds', async () => {
      const result = await cli('heal', ['heal', 'cluster-worker-vm-server_1', '--yes']);
      await loadState();
      expect({ code: result.code, output: result.code === 0 ? '' : transcripts.heal }).toEqual({ code: 0, output: '' });
    }, 900_000);

    test('the worker has a new server on the same port, reached at the same floating IP', async () => {
      const server = (await openstack.get('compute', `/servers/${runtime('cluster-worker-vm-server_1').id}`)).body.server;
      const ports = await openstack.list('network', '/v2.0/ports', 'ports', { query: { device_id: server.id } });
      expect([server.id !== before.serverId, server.status, ports.map((port: any) => port.id), vmOf('cluster-worker-vm-server_1').address]).toEqual([true, 'ACTIVE', [before.port], before.floatingIp]);
    });

    test("the old worker's node was drained, and the new VM joined once", () => {
      expect([masterDrainsOf(novaHostname(before.vm.name)) - before.drains, joined(vmOf('cluster-worker-vm-server_1')).length]).toEqual([1, 1]);
    });

    test("the worker's new server took its place in the workers' server group", async () => {
      const group = (await openstack.get('compute', `/os-server-groups/${runtime('worker-spread_0').id}`)).body.server_group;
      expect([group.members.includes(runtime('cluster-worker-vm-server_1').id), group.members.includes(before.serverId)]).toEqual([true, false]);
    });

    test("the worker's volume is attached to the new server", async () => {
      const volume = (await openstack.get('block-storage', `/volumes/${runtime('cluster-worker-vm-volume0_1').id}`)).body.volume;
      expect([volume.status, volume.attachments.map((attachment: any) => attachment.server_id)]).toEqual(['in-use', [runtime('cluster-worker-vm-server_1').id]]);
    });

    test('diff after the heal shows no changes', async () => {
      expect((await cli('diff-after-heal', ['diff', '--detailed-exitcode'])).code).toBe(0);
    }, 300_000);
  });

  describe('secrets', () => {
    const privateKeys = () => [...readTree(path.join(directory, '.hybrid')).values()].some((content) => content.includes('BEGIN OPENSSH PRIVATE KEY'));

    test("the VMs' private key, the join token and the kubeconfig's client key appear in no file hybrid wrote", () => {
      const token = joined(workerVms()[0])[0].args[3];
      const files = [...readTree(path.join(directory, '.hybrid')), ...readTree(path.join(directory, 'hybrid.out'))];
      expect([privateKeys(), files.filter(([, content]) => content.includes(token) || content.includes(clientKeyData)).map(([file]) => file)]).toEqual([false, []]);
    });

    test('none of them appears in any CLI output', () => {
      const token = joined(workerVms()[0])[0].args[3];
      expect(Object.entries(transcripts).filter(([, text]) => text.includes(token) || text.includes(clientKeyData) || text.includes('PRIVATE KEY')).map(([run]) => run)).toEqual([]);
    });
  });

  describe('destroy', () => {
    let workersBefore: SimulatedVm[];
    let master: SimulatedVm;
    const masterDrains = () => calls(master, (call) => call.command === 'kubectl' && call.args[0] === 'drain').map((call) => call.args[1]);
    let drainsBefore: number;

    test('succeeds', async () => {
      workersBefore = workerVms();
      master = vmOf('cluster-master-vm-server_0');
      drainsBefore = masterDrains().length;
      const result = await cli('destroy', ['destroy', '--yes']);
      expect({ code: result.code, output: result.code === 0 ? '' : transcripts.destroy }).toEqual({ code: 0, output: '' });
    }, 900_000);

    test("drained each remaining worker's node on the master", () => {
      expect(masterDrains().slice(drainsBefore).sort()).toEqual(workersBefore.map((vm) => novaHostname(vm.name)).sort());
    });

    test('left nothing in the project: no server, server group, volume, key pair, floating IP, port, router, subnet, network or security group', async () => {
      expect(await inventory(openstack)).toEqual(EMPTY_PROJECT);
    });

    test('left no object hybrid made in the API', async () => {
      const lists = ['/api/v1/secrets', '/api/v1/services', '/apis/apps/v1/deployments', '/api/v1/namespaces'];
      const left = (await Promise.all(lists.map((list) => kubernetes.get(list, { query: { labelSelector: 'app.kubernetes.io/managed-by=hybrid' } })))).flatMap((response) => response.body.items.map((item: any) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`));
      expect(left).toEqual([]);
    });
  });
});
