/**
 * K8sCluster.onOpenStack through a bastion, on the real OpenStack test cloud and a real Kubernetes
 * control plane: the VMs get no floating IP, and hybrid reaches each one at its address on the
 * tenant network through a jump host (a real sshd that forwards TCP). The tenant subnet is a
 * loopback range (127.61.0.0/24, DHCP off, which Neutron allows), so the VM simulator's sshds
 * listen on the VMs' fixed IPs, where only the bastion's forwarding reaches them from hybrid.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import type { StateSnapshot } from '../../../lib/engine/state/types';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { assertBuilt, makeProject } from '../../cli/support';
import { Bastion, startBastion } from '../../providers/ssh/support/extra-servers';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { EMPTY_PROJECT, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';
import { SimulatedVm, VmSimulator, startVmSimulator } from '../../support/openstack/vm-simulator';
import { SshTestHosts, startSshHosts } from '../../support/ssh/hosts';
import { readRecordedCommands } from '../../support/ssh/recording-commands';
import { projectCli } from '../kubernetes/support';

const PROGRAM = `
import { App, Input, InputType, Stack } from 'hybrid-iac';
import { Host, HostAuth, HostKey } from 'hybrid-iac/constructs/hosts';
import { K8sCluster, K8sConfigMap } from 'hybrid-iac/constructs/kubernetes';
import { OpenStackNetwork } from 'hybrid-iac/constructs/openstack';
const app = new App();
const stack = new Stack(app, 'private-cluster');
const input = (name: string) => new Input(stack, name, {}).value;
const sshUser = input('sshUser');
const bastion = new Host(stack, 'Bastion', {
  address: input('bastionAddress'), port: new Input(stack, 'bastionPort', { type: InputType.INTEGER }).value, user: sshUser,
  auth: HostAuth.keyFile(input('bastionKey')), hostKey: HostKey.fingerprint(process.env.BASTION_FINGERPRINT!),
});
const network = new OpenStackNetwork(stack, 'Net', { cidr: '127.61.0.0/24', enableDhcp: false, externalNetwork: '' });
const cluster = K8sCluster.onOpenStack(stack, 'Cluster', {
  network, image: 'cirros', flavor: 'm1.nano', workers: { count: 1 }, bastion,
  sshUser, sshPort: new Input(stack, 'sshPort', { type: InputType.INTEGER }).value,
  version: '1.30.3', podCidr: '10.244.0.0/16', podNetworkManifest: '', prepareHosts: false, hostRoot: '.',
});
new K8sConfigMap(stack, 'Settings', { cluster, namespace: 'default', name: 'private-cluster-settings', data: { reachedThrough: 'bastion' } });
`;

describe('K8sCluster.onOpenStack through a bastion', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let openstack: OpenStackClient;
  let controlPlane: ControlPlane;
  let kubernetes: KubernetesApi;
  let vms: VmSimulator;
  let hosts: SshTestHosts;
  let bastion: Bastion;
  let directory: string;
  let state: StateSnapshot | undefined;

  const cli = projectCli(() => directory, () => ({ ...project.env, BASTION_FINGERPRINT: bastion.hostKeyFingerprint }), 540_000);
  const transcripts = cli.transcripts;
  const runtime = (instance: string) => state!.instances[instance].runtimeProperties;
  const vmOf = (serverInstance: string): SimulatedVm => vms.vms().find((vm) => vm.serverId === runtime(serverInstance).id)!;

  beforeAll(async () => {
    assertBuilt();
    [cloud, controlPlane, hosts] = await Promise.all([startOpenStack(), startControlPlane(), startSshHosts(1, { names: ['unused'] })]);
    bastion = await startBastion(hosts, '127.0.0.31');
    project = await cloud.project('k8s-bastion');
    openstack = project.client();
    kubernetes = controlPlane.createApi();
    vms = await startVmSimulator({ client: project.client(), adminConf: fs.readFileSync(controlPlane.kubeconfigPath, 'utf8') });
    const inputs = [
      `bastionAddress: ${bastion.address}`, `bastionPort: ${bastion.port}`, `bastionKey: ${hosts.clientKey.privateKeyPath}`,
      `sshUser: ${os.userInfo().username}`, `sshPort: ${vms.sshPort}`,
    ];
    directory = makeProject({ 'main.ts': PROGRAM, 'inputs.yaml': inputs.join('\n') + '\n' }, 'hybrid-k8s-bastion-');
  }, 900_000);

  afterAll(async () => {
    if (directory && !transcripts.destroy) await cli('cleanup', ['destroy', '--yes']);
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
    openstack?.close();
    kubernetes?.close();
    await vms?.stop();
    await bastion?.stop();
    await Promise.all([controlPlane?.stop(), hosts?.stop(), cloud?.cleanup()]);
  }, 600_000);

  test('deploy succeeds', async () => {
    const result = await cli('deploy', ['deploy', '--yes', '--no-typecheck']);
    state = await new FileStateStore(path.join(directory, '.hybrid', 'private-cluster')).load();
    expect({ code: result.code, output: result.code === 0 ? '' : transcripts.deploy }).toEqual({ code: 0, output: '' });
  }, 900_000);

  test('no VM has a floating IP', async () => {
    expect((await inventory(openstack)).floatingips).toEqual([]);
  });

  test('hybrid logged in to each VM at its address on the tenant network, through the bastion', () => {
    const forwarded = fs.readFileSync(bastion.logFile, 'utf8');
    const addresses = ['cluster-master-vm-port_0', 'cluster-worker-vm-port_0'].map((port) => runtime(port).ip as string);
    expect(addresses.map((address) => [address.startsWith('127.61.0.'), forwarded.includes(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target ${address} port ${vms.sshPort}`)])).toEqual([[true, true], [true, true]]);
  });

  test("the worker joined at the master's address on the tenant network", () => {
    const joins = readRecordedCommands(vmOf('cluster-worker-vm-server_0')).filter((call) => call.command === 'kubeadm' && call.args[0] === 'join' && call.exitCode === 0);
    expect(joins.map((call) => call.args[1])).toEqual([`${runtime('cluster-master-vm-port_0').ip}:6443`]);
  });

  test('the ConfigMap reached the real control plane through the kubeconfig the master published', async () => {
    const response = await kubernetes.get('/api/v1/namespaces/default/configmaps/private-cluster-settings');
    expect(response.body.data).toEqual({ reachedThrough: 'bastion' });
  });

  test('destroy leaves nothing in the project', async () => {
    const result = await cli('destroy', ['destroy', '--yes']);
    expect([result.code === 0 ? 0 : transcripts.destroy, await inventory(openstack)]).toEqual([
      0, EMPTY_PROJECT,
    ]);
  }, 900_000);
});
