/**
 * K8sCluster.onOpenStack's default API access, end to end: the master gets the floating IP the
 * project reserved for it (allocated beforehand by the cloud's admin, as choosing an address is an
 * admin right in Neutron's default policy),
 * kubeadm puts it in the API server's certificate, and the endpoint and the kubeconfig the master
 * publishes point there, so the objects deploy from outside the tenant network. On the real
 * OpenStack test cloud floating IPs are loopback addresses; at `<floating ip>:6443` a TLS front
 * with a certificate for that address, signed by the real control plane's CA, stands in for the
 * master VM's kube-apiserver and forwards to the real one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import type { StateSnapshot } from '../../../lib/engine/state/types';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { assertBuilt, makeProject } from '../../cli/support';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { FaultProxy, startFaultProxy, tlsProxyOptionsFor } from '../../support/kubernetes/fault-proxy';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { EMPTY_PROJECT, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';
import { VmSimulator, startVmSimulator } from '../../support/openstack/vm-simulator';
import { readRecordedCommands } from '../../support/ssh/recording-commands';
import { projectCli } from '../kubernetes/support';

/** An address of the external network (127.100.0.0/16), reserved for the project's API server. */
const MASTER_IP = `127.100.${200 + Math.floor(Math.random() * 50)}.${2 + Math.floor(Math.random() * 250)}`;

const PROGRAM = `
import { App, Input, InputType, Output, Stack } from 'hybrid-iac';
import { K8sCluster, K8sConfigMap } from 'hybrid-iac/constructs/kubernetes';
import { OpenStackNetwork } from 'hybrid-iac/constructs/openstack';
const app = new App();
const stack = new Stack(app, 'public-api');
const network = new OpenStackNetwork(stack, 'Net', { cidr: '10.62.0.0/24' });
const cluster = K8sCluster.onOpenStack(stack, 'Cluster', {
  network, image: 'cirros', flavor: 'm1.nano', workers: { count: 1 }, masterFloatingIp: '${MASTER_IP}',
  sshUser: new Input(stack, 'sshUser', {}).value, sshPort: new Input(stack, 'sshPort', { type: InputType.INTEGER }).value,
  version: '1.30.3', podCidr: '10.244.0.0/16', podNetworkManifest: '', prepareHosts: false, hostRoot: '.',
});
new K8sConfigMap(stack, 'Settings', { cluster, namespace: 'default', name: 'public-api-settings', data: { reachedAt: 'floating-ip' } });
new Output(stack, 'apiServer', { value: cluster.endpoint });
`;

describe("K8sCluster.onOpenStack's API at the master's floating IP", () => {
  let cloud: TestCloud;
  let project: TestProject;
  let openstack: OpenStackClient;
  let controlPlane: ControlPlane;
  let kubernetes: KubernetesApi;
  let front: FaultProxy;
  let vms: VmSimulator;
  let directory: string;
  let state: StateSnapshot | undefined;
  let reserved: { id: string; floating_ip_address: string };

  const cli = projectCli(() => directory, () => project.env, 540_000);
  const transcripts = cli.transcripts;

  beforeAll(async () => {
    assertBuilt();
    [cloud, controlPlane] = await Promise.all([startOpenStack(), startControlPlane()]);
    project = await cloud.project('k8s-public');
    openstack = project.client();
    const admin = cloud.admin();
    try {
      const external = (await admin.get('network', '/v2.0/networks', { query: { name: 'public' } })).body.networks[0].id;
      reserved = (await admin.post('network', '/v2.0/floatingips', { floatingip: { floating_network_id: external, floating_ip_address: MASTER_IP, project_id: project.projectId } })).body.floatingip;
    } finally {
      admin.close();
    }
    kubernetes = controlPlane.createApi();
    front = await startFaultProxy({ ...tlsProxyOptionsFor(controlPlane), address: MASTER_IP, port: 6443 });
    vms = await startVmSimulator({ client: project.client(), adminConf: fs.readFileSync(controlPlane.kubeconfigPath, 'utf8') });
    const inputs = [`sshUser: ${os.userInfo().username}`, `sshPort: ${vms.sshPort}`];
    directory = makeProject({ 'main.ts': PROGRAM, 'inputs.yaml': inputs.join('\n') + '\n' }, 'hybrid-k8s-public-');
  }, 900_000);

  afterAll(async () => {
    if (directory && !transcripts.destroy) await cli('cleanup', ['destroy', '--yes']);
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
    if (reserved) await openstack.delete('network', `/v2.0/floatingips/${reserved.id}`, { allow: [404] });
    openstack?.close();
    kubernetes?.close();
    await vms?.stop();
    await front?.refuseConnections();
    await Promise.all([controlPlane?.stop(), cloud?.cleanup()]);
  }, 600_000);

  test('deploy succeeds', async () => {
    const result = await cli('deploy', ['deploy', '--yes', '--no-typecheck']);
    state = await new FileStateStore(path.join(directory, '.hybrid', 'public-api')).load();
    expect({ code: result.code, output: result.code === 0 ? '' : transcripts.deploy }).toEqual({ code: 0, output: '' });
  }, 900_000);

  test("the project's reserved floating IP is associated with the master's port", async () => {
    const ip = (await openstack.get('network', `/v2.0/floatingips/${reserved.id}`)).body.floatingip;
    expect([ip.floating_ip_address, ip.port_id]).toEqual([MASTER_IP, state!.instances['cluster-master-vm-port_0'].runtimeProperties.id]);
  });

  test("kubeadm init put the floating IP in the API server's certificate, besides the advertised address", () => {
    const master = vms.vms().find((vm) => vm.serverId === state!.instances['cluster-master-vm-server_0'].runtimeProperties.id)!;
    const init = readRecordedCommands(master).find((call) => call.command === 'kubeadm' && call.args[0] === 'init')!;
    expect(init.args.filter((arg) => /^--apiserver-(advertise-address|cert-extra-sans)=/.test(arg))).toEqual([
      `--apiserver-advertise-address=${state!.instances['cluster-master-vm-port_0'].runtimeProperties.ip}`, `--apiserver-cert-extra-sans=${MASTER_IP}`,
    ]);
  });

  test('the endpoint output is the floating IP', async () => {
    expect((await cli('outputs', ['outputs'])).stdout.trim()).toBe(`apiServer = https://${MASTER_IP}:6443`);
  });

  test('the ConfigMap was applied (server-side apply) through the floating IP, whose certificate the client verified', async () => {
    const configMap = (await kubernetes.get('/api/v1/namespaces/default/configmaps/public-api-settings')).body;
    expect([configMap.data, front.forwarded.some((request) => request.method === 'PATCH' && request.url.startsWith('/api/v1/namespaces/default/configmaps/public-api-settings'))]).toEqual([{ reachedAt: 'floating-ip' }, true]);
  });

  test('destroy removes the ConfigMap through the floating IP and leaves nothing in the project but the reserved floating IP, unassociated', async () => {
    const result = await cli('destroy', ['destroy', '--yes']);
    const gone = await kubernetes.get('/api/v1/namespaces/default/configmaps/public-api-settings', { accept: (status) => status === 404 });
    const ip = (await openstack.get('network', `/v2.0/floatingips/${reserved.id}`)).body.floatingip;
    expect([result.code === 0 ? 0 : transcripts.destroy, gone.statusCode, await inventory(openstack), ip.port_id]).toEqual([
      0, 404, { ...EMPTY_PROJECT, floatingips: [`:${reserved.id}`] }, null,
    ]);
  }, 900_000);
});
