/**
 * The VM simulator against the real OpenStack test cloud: a server with a key pair and a floating
 * IP becomes a VM one can log in to with the key pair's private key, and stops answering once the
 * server is deleted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { generateKey } from '../ssh/hosts';
import { run, RunResult } from '../ssh/process-util';
import { readRecordedCommands } from '../ssh/recording-commands';
import { EXTERNAL_NETWORK, FLAVOR, IMAGE, startOpenStack, TestCloud, TestProject } from './cloud';
import { SimulatedVm, startVmSimulator, VmSimulator } from './vm-simulator';

describe('VM simulator', () => {
  let cloud: TestCloud | undefined;
  let project: TestProject;
  let client: OpenStackClient | undefined;
  let simulator: VmSimulator | undefined;
  let simulatorClient: OpenStackClient | undefined;
  let keyDir: string;
  let keyFile: string;
  let otherKeyFile: string;
  let vm: SimulatedVm;
  let fixedIp: string;
  const made: { network?: string; subnet?: string; router?: string; routerInterface?: boolean; port?: string; keypair?: string; server?: string; floatingIp?: string } = {};
  const timings: string[] = [];

  function ssh(key: string, target: SimulatedVm, command: string): Promise<RunResult> {
    return run('ssh', [
      '-F', '/dev/null',
      '-i', key,
      '-o', 'IdentitiesOnly=yes',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'LogLevel=ERROR',
      '-o', 'ConnectTimeout=5',
      '-p', String(target.port),
      `${os.userInfo().username}@${target.address}`,
      command,
    ], { timeoutMs: 20_000 });
  }

  beforeAll(async () => {
    let started = Date.now();
    const lap = (what: string) => {
      timings.push(`${what}: ${Date.now() - started} ms`);
      started = Date.now();
    };
    cloud = await startOpenStack();
    project = await cloud.project('vmsim');
    client = project.client();
    lap('cloud and project');
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-vmsim-test-'));
    keyFile = path.join(keyDir, 'id_ed25519');
    otherKeyFile = path.join(keyDir, 'other_ed25519');
    const [key] = await Promise.all([generateKey(keyFile, 'vmsim-keypair'), generateKey(otherKeyFile, 'vmsim-other')]);
    simulatorClient = project.client();
    simulator = await startVmSimulator({ client: simulatorClient });

    const api = client;
    // as much in parallel as the dependencies allow: the cloud is the slow part
    const [[publicNetwork], [image], flavors, network, keypair] = await Promise.all([
      api.list('network', '/v2.0/networks', 'networks', { query: { name: EXTERNAL_NETWORK } }),
      api.list('image', '/v2/images', 'images', { query: { name: IMAGE } }),
      api.list('compute', '/flavors', 'flavors'),
      api.post('network', '/v2.0/networks', { network: { name: 'vmsim-net' } }).then((r) => r.body.network),
      api.post('compute', '/os-keypairs', { keypair: { name: 'vmsim-key', public_key: key.publicKey } }).then((r) => r.body.keypair),
    ]);
    made.network = network.id;
    made.keypair = keypair.name;
    const flavor = flavors.find((f: any) => f.name === FLAVOR);
    const [subnet, router] = await Promise.all([
      api.post('network', '/v2.0/subnets', { subnet: { name: 'vmsim-subnet', network_id: made.network, cidr: '10.77.0.0/24', ip_version: 4 } }).then((r) => r.body.subnet),
      api.post('network', '/v2.0/routers', { router: { name: 'vmsim-router', external_gateway_info: { network_id: publicNetwork.id } } }).then((r) => r.body.router),
    ]);
    made.subnet = subnet.id;
    made.router = router.id;
    const [port] = await Promise.all([
      api.post('network', '/v2.0/ports', { port: { name: 'vmsim-port', network_id: made.network } }).then((r) => r.body.port),
      api.put('network', `/v2.0/routers/${made.router}/add_router_interface`, { subnet_id: made.subnet }).then(() => (made.routerInterface = true)),
    ]);
    made.port = port.id;
    fixedIp = port.fixed_ips[0].ip_address;
    lap('network, subnet, router, interface, port, key pair');
    // a floating IP needs the port's subnet on a router with a gateway: after the interface
    const [server, floatingIp] = await Promise.all([
      api.post('compute', '/servers', {
        server: { name: 'vmsim-node', imageRef: image.id, flavorRef: flavor.id, networks: [{ port: made.port }], key_name: made.keypair },
      }).then((r) => r.body.server),
      api.post('network', '/v2.0/floatingips', { floatingip: { floating_network_id: publicNetwork.id, port_id: made.port } }).then((r) => r.body.floatingip),
    ]);
    made.server = server.id;
    made.floatingIp = floatingIp.id;
    lap('server and floating IP requests');
    [vm] = await simulator.waitFor(1, 60_000);
    lap('VM running (server ACTIVE, sshd up)');
  }, 600_000);

  afterAll(async () => {
    await simulator?.stop();
    simulatorClient?.close();
    const api = client;
    if (api) {
      const ignore = { allow: [404] };
      await Promise.all([
        (async () => {
          if (made.server) {
            await api.delete('compute', `/servers/${made.server}`, ignore);
            for (let i = 0; i < 120 && (await api.get('compute', `/servers/${made.server}`, ignore)).status !== 404; i++) await new Promise((r) => setTimeout(r, 250));
          }
          if (made.port) await api.delete('network', `/v2.0/ports/${made.port}`, ignore);
        })(),
        (async () => {
          // Neutron keeps a router interface that a floating IP needs: the floating IP goes first
          if (made.floatingIp) await api.delete('network', `/v2.0/floatingips/${made.floatingIp}`, ignore);
          if (made.routerInterface) await api.put('network', `/v2.0/routers/${made.router}/remove_router_interface`, { subnet_id: made.subnet }, ignore);
          if (made.router) await api.delete('network', `/v2.0/routers/${made.router}`, ignore);
        })(),
        made.keypair ? api.delete('compute', `/os-keypairs/${made.keypair}`, ignore) : undefined,
      ]);
      if (made.subnet) await api.delete('network', `/v2.0/subnets/${made.subnet}`, ignore);
      if (made.network) await api.delete('network', `/v2.0/networks/${made.network}`, ignore);
      api.close();
    }
    await cloud?.cleanup();
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
    if (process.env.HYBRID_TEST_TRACE) console.log(timings.join('\n'));
  }, 120_000);

  test('the VM listens on the server floating IP and the simulator reports no errors', () => {
    expect(vm.address).toMatch(/^127\.100\./);
    expect(simulator!.errors).toEqual([]);
  });

  test('logging in with the key pair private key runs `hostname`, which prints the server name', async () => {
    const result = await ssh(keyFile, vm, 'hostname');
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'vmsim-node\n', stderr: '' });
  });

  test('HYBRID_TEST_HOST_ADDRESS in a session is the fixed IP of the server port', async () => {
    const result = await ssh(keyFile, vm, 'echo $HYBRID_TEST_HOST_ADDRESS');
    expect(result.stdout).toBe(`${fixedIp}\n`);
  });

  test('a command run with sudo on the VM is recorded in the VM directory', async () => {
    const result = await ssh(keyFile, vm, 'sudo systemctl enable --now kubelet');
    expect(result.code).toBe(0);
    expect(readRecordedCommands(vm, { command: 'systemctl' }).map((c) => c.args)).toEqual([['enable', '--now', 'kubelet']]);
  });

  test('a key other than the key pair is refused', async () => {
    const result = await ssh(otherKeyFile, vm, 'true');
    expect({ code: result.code, denied: /Permission denied/.test(result.stderr) }).toEqual({ code: 255, denied: true });
  });

  test('deleting the server stops its sshd (connection refused) while its directory and recorded commands stay', async () => {
    await client!.delete('compute', `/servers/${made.server}`);
    await simulator!.waitFor(0, 30_000);
    const result = await ssh(keyFile, vm, 'true');
    expect({
      code: result.code,
      refused: /Connection refused/.test(result.stderr),
      rootDir: fs.existsSync(vm.rootDir),
      recorded: readRecordedCommands(vm).map((c) => c.command),
      retired: simulator!.vm('vmsim-node')?.retired,
    }).toEqual({ code: 255, refused: true, rootDir: true, recorded: ['systemctl'], retired: true });
  });
});
