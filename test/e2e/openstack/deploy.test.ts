/**
 * `hybrid deploy` of a network and a server (key pair, floating IP, volume) on the real test
 * cloud through the CLI, checked through the OpenStack API; then destroy leaves nothing. The
 * project authenticates with an application credential whose secret must never be written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import type { StateSnapshot } from '../../../lib/engine/state/types';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { assertBuilt, makeProject, readTree } from '../../cli/support';
import { runCliSlow as runCli } from './cli';
import { EMPTY_PROJECT, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';

const CANARY = 'appcred-canary-5e1d7a93';
const PASSWORD = 'password-canary-0b44c2e1';
const FERNET_TOKEN = /gAAAAA[A-Za-z0-9_-]{40,}/;

const PROGRAM = `
import { App, Stack, Output } from 'hybrid-iac';
import { OpenStackKeyPair, OpenStackNetwork, OpenStackServer } from 'hybrid-iac/constructs/openstack';
const app = new App();
const stack = new Stack(app, 'shop');
const network = new OpenStackNetwork(stack, 'Net', { cidr: '10.30.0.0/24', dnsNameservers: ['10.30.0.53'] });
const key = new OpenStackKeyPair(stack, 'Key');
const web = new OpenStackServer(stack, 'Web', {
  network, image: 'cirros', flavor: 'm1.nano', keyPair: key, floatingIp: true, volumes: [{ sizeGb: 1 }],
  userData: '#cloud-config\\npackages: [nginx]\\n', metadata: { role: 'web' },
});
new Output(stack, 'publicIp', { value: web.publicIp });
new Output(stack, 'privateIp', { value: web.privateIp });
`;

describe('hybrid deploy and destroy on a real OpenStack', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let api: OpenStackClient;
  let directory: string;
  const transcript: string[] = [];
  const cli = (args: string[]) => {
    const result = runCli(args, directory, project.env);
    transcript.push(result.stdout, result.stderr);
    return result;
  };
  let recorded: StateSnapshot | undefined;
  const runtime = (instance: string) => recorded!.instances[instance].runtimeProperties;

  beforeAll(async () => {
    assertBuilt();
    cloud = await startOpenStack();
    project = await cloud.project('e2e', { password: PASSWORD, applicationCredentialSecret: CANARY });
    api = project.client();
    directory = makeProject({ 'main.ts': PROGRAM }, 'hybrid-openstack-e2e-');
  }, 600_000);

  afterAll(async () => {
    if (directory) cli(['destroy', '--yes']);
    api?.close();
    await cloud?.cleanup();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  }, 300_000);

  test('deploy succeeds', async () => {
    const result = cli(['deploy', '--yes', '--no-typecheck']);
    recorded = await new FileStateStore(path.join(directory, '.hybrid', 'shop')).load();
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  }, 600_000);

  test('the subnet has the CIDR and DNS server on the network', async () => {
    const subnet = (await api.get('network', `/v2.0/subnets/${runtime('net-subnet_0').id}`)).body.subnet;
    expect([subnet.network_id, subnet.cidr, subnet.dns_nameservers]).toEqual([runtime('net-network_0').id, '10.30.0.0/24', ['10.30.0.53']]);
  });

  test('the router has a gateway on the external network and an interface on the subnet', async () => {
    const router = (await api.get('network', `/v2.0/routers/${runtime('net-router_0').id}`)).body.router;
    const ports = (await api.get('network', '/v2.0/ports', { query: { device_id: router.id, device_owner: 'network:router_interface' } })).body.ports;
    const publicId = (await api.get('network', '/v2.0/networks', { query: { name: 'public' } })).body.networks[0].id;
    expect([router.external_gateway_info.network_id, ports.map((p: any) => p.fixed_ips[0].subnet_id)]).toEqual([publicId, [runtime('net-subnet_0').id]]);
  });

  test('the server is ACTIVE on its port, with the key pair, the default security group and the metadata', async () => {
    const server = (await api.get('compute', `/servers/${runtime('web-server_0').id}`)).body.server;
    const port = (await api.get('network', `/v2.0/ports/${runtime('web-port_0').id}`)).body.port;
    expect({ status: server.status, key: server.key_name, role: server.metadata.role, device: port.device_id, groups: port.security_groups })
      .toEqual({ status: 'ACTIVE', key: runtime('key_0').name, role: 'web', device: server.id, groups: [runtime('net-security-group_0').id] });
  });

  test('the floating IP is associated with the server\'s port', async () => {
    const ip = (await api.get('network', `/v2.0/floatingips/${runtime('web-floating-ip_0').id}`)).body.floatingip;
    expect([ip.port_id, ip.fixed_ip_address]).toEqual([runtime('web-port_0').id, runtime('web-port_0').ip]);
  });

  test('the volume is attached to the server', async () => {
    const volume = (await api.get('block-storage', `/volumes/${runtime('web-volume0_0').id}`)).body.volume;
    expect([volume.status, volume.attachments.map((a: any) => a.server_id)]).toEqual(['in-use', [runtime('web-server_0').id]]);
  });

  test('outputs print the floating and private addresses', () => {
    const stdout = cli(['outputs']).stdout;
    expect([stdout.includes(`publicIp = ${runtime('web-floating-ip_0').floating_ip_address}`), stdout.includes(`privateIp = ${runtime('web-port_0').ip}`)]).toEqual([true, true]);
  });

  test('diff reports no changes right after the deploy', () => {
    const result = cli(['diff', '--detailed-exitcode']);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: expect.any(String) });
  }, 120_000);

  test('no credential, token or private key appears in state, blueprints or output', () => {
    const files = [...readTree(path.join(directory, '.hybrid')), ...readTree(path.join(directory, 'hybrid.out'))];
    const leaks = files
      .filter(([, content]) => content.includes(CANARY) || content.includes(PASSWORD) || FERNET_TOKEN.test(content) || content.includes('BEGIN OPENSSH PRIVATE KEY'))
      .map(([file]) => file);
    const output = transcript.join('\n');
    expect({ leaks, output: [output.includes(CANARY), output.includes(PASSWORD), FERNET_TOKEN.test(output), output.includes('PRIVATE KEY')] })
      .toEqual({ leaks: [], output: [false, false, false, false] });
  });

  test('destroy leaves nothing in the project', async () => {
    expect(cli(['destroy', '--yes']).code).toBe(0);
    expect(await inventory(api)).toEqual(EMPTY_PROJECT);
  }, 600_000);
});
