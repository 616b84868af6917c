import { App, Stack } from '../../../lib/core/app';
import { builtinCatalogue } from '../../../lib/core/types';
import { Host, HostAuth } from '../../../constructs/hosts';
import { K8sApiAccess, K8sCluster, K8sClusterOnOpenStack, K8sClusterOnOpenStackProps, K8sConfigMap, K8sService, K8sServiceType } from '../../../constructs/kubernetes';
import { NODES_READY_SCRIPT, TOKEN_SCRIPT } from '../../../constructs/kubernetes/on-hosts-scripts';
import { OpenStackKeyPair, OpenStackNetwork, OpenStackServerGroup } from '../../../constructs/openstack';
import { Ref } from '../../../lib/core/refs';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { invalidPropsMessage } from '../../support/errors';

let stack: Stack;
let network: OpenStackNetwork;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
  network = new OpenStackNetwork(stack, 'Net');
});

afterEach(() => {
  App.resetCreated();
});

const onOpenStack = (props: Partial<K8sClusterOnOpenStackProps> = {}) =>
  K8sCluster.onOpenStack(stack, 'Cluster', { network, image: 'ubuntu-22.04', flavor: 'm1.medium', workers: { count: 2 }, version: '1.30.3', podCidr: '10.244.0.0/16', ...props });
const blueprint = () => synthesizeStack(stack).blueprint;
const nodes = () => blueprint().node_templates as { [name: string]: any };

describe('K8sCluster.onOpenStack', () => {
  test('returns a K8sCluster', () => {
    const cluster = onOpenStack();
    expect([K8sCluster.isK8sCluster(cluster), cluster instanceof K8sClusterOnOpenStack]).toEqual([true, true]);
  });

  test('synthesizes a schema-valid blueprint', () => {
    onOpenStack();
    expect(validateBlueprint(blueprint(), builtinCatalogue())).toEqual([]);
  });

  test('makes the workers one scaling group with count, min and max', () => {
    onOpenStack({ workers: { count: 3, min: 2, max: 5 } });
    expect(Object.values(blueprint().policies as object).map((policy: any) => [policy.targets, policy.properties])).toEqual([[['cluster-workers'], { default_instances: 3, min_instances: 2, max_instances: 5 }]]);
  });

  test('a worker unit without volumeGb has no volume', () => {
    onOpenStack();
    expect((blueprint().groups as any)['cluster-workers'].members).toEqual(['cluster-worker-vm-floating-ip', 'cluster-worker-vm-port', 'cluster-worker-vm-server']);
  });

  test('makes the worker VMs in workers.serverGroup, and not the master', () => {
    const spread = new OpenStackServerGroup(stack, 'Spread');
    onOpenStack({ workers: { count: 2, serverGroup: spread } });
    expect([nodes()['cluster-worker-vm-server'].properties.server_group, nodes()['cluster-master-vm-server'].properties.server_group]).toEqual([{ get_attribute: ['spread', 'id'] }, undefined]);
  });

  test('fails if workers.serverGroup is not an OpenStackServerGroup', () => {
    expect(invalidPropsMessage(() => onOpenStack({ workers: { count: 2, serverGroup: 'spread' as any } }))).toContain('workers.serverGroup must be an OpenStackServerGroup, got "spread"');
  });

  test('generates a key pair and logs in with its private key, trusting each VM key on first use', () => {
    onOpenStack();
    const host = nodes()['cluster-master-host'].properties;
    expect([nodes()['cluster-key-pair'].type, host.auth, host.host_key, host.user]).toEqual([
      'hybrid.nodes.openstack.KeyPair', { method: 'private_key', private_key: { get_attribute: ['cluster-key-pair', 'private_key'] } }, { trust_on_first_use: true }, 'ubuntu',
    ]);
  });

  test("retries a VM's first login for bootTimeout seconds, every 5 s", () => {
    onOpenStack({ bootTimeout: 120 });
    expect(nodes()['cluster-worker-host'].interfaces['cloudify.interfaces.lifecycle'].create).toEqual({ implementation: 'hybrid.ssh.host.create', max_retries: 24, retry_interval: 5 });
  });

  test("the VM's host is contained in its server: it comes after the server, scales with it, and a healed server reinstalls it", () => {
    onOpenStack();
    expect(nodes()['cluster-worker-host'].relationships).toContainEqual({ type: 'cloudify.relationships.contained_in', target: 'cluster-worker-vm-server' });
  });

  test("installs the master advertising its private address, with its floating IP as the public endpoint", () => {
    onOpenStack();
    const env = nodes()['cluster-master'].properties.env;
    expect([env.ADVERTISE_ADDRESS, env.PUBLIC_ADDRESS, env.API_ACCESS]).toEqual([
      { get_attribute: ['cluster-master-vm-port', 'ip'] }, { get_attribute: ['cluster-master-vm-floating-ip', 'floating_ip_address'] }, 'public',
    ]);
  });

  test("on the master, waits for each worker's node once it joined", () => {
    onOpenStack();
    const join = nodes()['cluster-worker'].relationships.find((relationship: any) => relationship.target === 'cluster-master');
    const establish = join.target_interfaces['cloudify.interfaces.relationship_lifecycle'].establish;
    expect([establish.inputs.script, establish.inputs.env.NODE_NAMES]).toEqual([NODES_READY_SCRIPT, { get_attribute: ['SOURCE', 'node_name'] }]);
  });

  test('on the master, makes a fresh join command right before each worker joins, as secret outputs', () => {
    onOpenStack();
    const join = nodes()['cluster-worker'].relationships.find((relationship: any) => relationship.target === 'cluster-master');
    const preconfigure = join.target_interfaces['cloudify.interfaces.relationship_lifecycle'].preconfigure;
    expect([preconfigure.inputs.script, preconfigure.inputs.secret_outputs]).toEqual([TOKEN_SCRIPT, ['join_command', 'join_token']]);
  });

  test("objects on the cluster wait for the master's node to be Ready, and not for the workers (a new worker changes nothing outside its unit)", () => {
    const cluster = onOpenStack();
    new K8sConfigMap(stack, 'Settings', { cluster, data: { a: '1' } });
    expect(nodes().settings.relationships.map((relationship: any) => relationship.target).sort()).toEqual(['cluster-master', 'cluster-master-ready']);
  });

  test("uses the project's reserved floating IP for the master, and new ones for the workers", () => {
    onOpenStack({ masterFloatingIp: '203.0.113.10' });
    const lookup = (node: string) => [nodes()[node].properties.use_external_resource, nodes()[node].properties.resource_id];
    expect([lookup('cluster-master-vm-floating-ip'), lookup('cluster-worker-vm-floating-ip')]).toEqual([[true, '203.0.113.10'], [undefined, undefined]]);
  });

  test('opens the API server port to the cluster and to apiAllowedFrom', () => {
    onOpenStack({ apiAllowedFrom: '203.0.113.0/24' });
    expect(nodes()['cluster-api-security-group'].properties.rules.map((rule: any) => [rule.port_range_min, rule.remote_ip_prefix ?? 'same group'])).toEqual([[6443, 'same group'], [6443, '203.0.113.0/24']]);
  });

  test('opens the NodePort range to nodePortsAllowedFrom', () => {
    onOpenStack({ nodePortsAllowedFrom: '0.0.0.0/0' });
    expect(nodes()['cluster-api-security-group'].properties.rules[2]).toMatchObject({ protocol: 'tcp', port_range_min: 30000, port_range_max: 32767, remote_ip_prefix: '0.0.0.0/0' });
  });

  test('leaves the NodePort range closed without nodePortsAllowedFrom', () => {
    onOpenStack();
    expect(nodes()['cluster-api-security-group'].properties.rules.map((rule: any) => rule.port_range_min)).toEqual([6443, 6443]);
  });

  test('fails if nodePortsAllowedFrom is not a CIDR', () => {
    expect(invalidPropsMessage(() => onOpenStack({ nodePortsAllowedFrom: 'anywhere' }))).toContain('nodePortsAllowedFrom must be a CIDR such as 10.0.0.0/24, got "anywhere"');
  });

  test("NodePort Services on the cluster report the master's floating IP as their node address", () => {
    const cluster = onOpenStack();
    const service = new K8sService(stack, 'Web', { cluster, type: K8sServiceType.NODE_PORT, ports: [{ port: 80 }], selector: { app: 'web' } });
    expect((service.nodeAddress as Ref).describe()).toBe(`the attribute 'floating_ip_address' of ${cluster.masterServer.floatingIpNode!.node.path}`);
  });

  describe('through a bastion', () => {
    let bastion: Host;
    beforeEach(() => {
      bastion = new Host(stack, 'Bastion', { address: '198.51.100.7', user: 'jump', auth: HostAuth.agent() });
    });

    test('reaches each VM at its private address through the bastion', () => {
      onOpenStack({ bastion });
      const host = nodes()['cluster-worker-host'].properties;
      expect([host.address, host.bastion.address]).toEqual([{ get_attribute: ['cluster-worker-vm-port', 'ip'] }, '198.51.100.7']);
    });

    test('gives the VMs no floating IP and keeps the kubeconfig as kubeadm wrote it', () => {
      onOpenStack({ bastion });
      expect([Object.keys(nodes()).filter((name) => name.includes('floating-ip')), 'PUBLIC_ADDRESS' in nodes()['cluster-master'].properties.env]).toEqual([[], false]);
    });

    test('refuses apiAccess PUBLIC, which needs a floating IP', () => {
      expect(invalidPropsMessage(() => onOpenStack({ bastion, apiAccess: K8sApiAccess.PUBLIC }))).toMatch(/apiAccess PUBLIC needs the master's floating IP.*use K8sApiAccess.ADVERTISED/);
    });
  });

  describe('refuses', () => {
    test('a master floating IP that is no IP address', () => {
      expect(invalidPropsMessage(() => onOpenStack({ masterFloatingIp: 'api.example.com' }))).toMatch(/masterFloatingIp must be an IP address of the external network, got "api.example.com"/);
    });

    test('a count outside min and max', () => {
      expect(invalidPropsMessage(() => onOpenStack({ workers: { count: 6, max: 5 } }))).toMatch(/^demo\/Cluster: workers.count must lie within workers.min and workers.max, got count 6, min 1, max 5/);
    });

    test('a key pair given a public key, without sshAuth', () => {
      const keyPair = new OpenStackKeyPair(stack, 'Key', { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE8 me' });
      expect(invalidPropsMessage(() => onOpenStack({ keyPair }))).toMatch(/keyPair demo\/Key has no private key hybrid knows.*give sshAuth/);
    });

    test('a network that is no OpenStack network', () => {
      expect(invalidPropsMessage(() => onOpenStack({ network: 'net-1' as any }))).toMatch(/network must be an OpenStackNetwork or OpenStackNetwork.fromName\/fromId\(...\), got "net-1"/);
    });

    test('an unknown apiAccess', () => {
      expect(invalidPropsMessage(() => onOpenStack({ apiAccess: 'vpn' as any }))).toMatch(/apiAccess must be one of public, advertised, got "vpn"/);
    });

    test('the install props onHosts refuses too, such as a version before 1.24', () => {
      expect(invalidPropsMessage(() => onOpenStack({ version: '1.23.9' }))).toMatch(/version must be 1.24.0 or later/);
    });
  });
});
