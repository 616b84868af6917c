import { App, Stack } from '../../../lib/core/app';
import { ScalingGroup } from '../../../lib/core/scaling';
import {
  OpenStackKeyPair, OpenStackNetwork, OpenStackSecurityGroup, OpenStackServer, OpenStackServerGroup, OpenStackServerGroupPolicy, OpenStackVolume, RuleDirection,
} from '../../../constructs/openstack';
import { synthesizeStack } from '../../../synth/synthesize';
import { errorOf } from '../../support/errors';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

describe('OpenStackNetwork', () => {
  test('makes a network, a subnet, a router to the external network, its interface and a default security group', () => {
    new OpenStackNetwork(stack, 'Net', { cidr: '10.1.0.0/24' });
    expect(Object.entries(nodes()).map(([name, node]) => `${name}: ${node.type}`).sort()).toEqual([
      'net-network: hybrid.nodes.openstack.Network',
      'net-router-interface: hybrid.nodes.openstack.RouterInterface',
      'net-router: hybrid.nodes.openstack.Router',
      'net-security-group: hybrid.nodes.openstack.SecurityGroup',
      'net-subnet: hybrid.nodes.openstack.Subnet',
    ]);
  });

  test('the subnet is on the network and the interface joins the router to the subnet', () => {
    new OpenStackNetwork(stack, 'Net', { cidr: '10.1.0.0/24', externalNetwork: 'ext' });
    const all = nodes();
    expect([all['net-subnet'].properties, all['net-router'].properties, all['net-router-interface'].properties]).toEqual([
      { network_id: { get_attribute: ['net-network', 'id'] }, cidr: '10.1.0.0/24' },
      { external_network: 'ext' },
      { router_id: { get_attribute: ['net-router', 'id'] }, subnet_id: { get_attribute: ['net-subnet', 'id'] } },
    ]);
  });

  test('the default security group allows SSH, ICMP and traffic between its members', () => {
    new OpenStackNetwork(stack, 'Net');
    expect(nodes()['net-security-group'].properties!.rules).toEqual([
      { direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' },
      { direction: 'ingress', protocol: 'icmp' },
      { direction: 'ingress', protocol: 'any', remote_group_id: 'self' },
    ]);
  });

  test('an empty externalNetwork makes no router', () => {
    const network = new OpenStackNetwork(stack, 'Net', { externalNetwork: '' });
    expect([network.routerNode, nodes()['net-router']]).toEqual([undefined, undefined]);
  });

  test('fromName looks up an existing network that destroy leaves in place', () => {
    OpenStackNetwork.fromName(stack, 'Public', 'public');
    expect(nodes()['public-network'].properties).toEqual({ use_external_resource: true, resource_id: 'public' });
  });

  test('fromId looks up an existing network and subnet by id', () => {
    const network = OpenStackNetwork.fromId(stack, 'Shared', '8c3c8f0e-0b7e-4a39-9a54-1b2b0f1c7d11', { subnet: 'shared-subnet' });
    new OpenStackServer(stack, 'Vm', { network, image: 'cirros', flavor: 'm1.tiny' });
    expect(nodes()['vm-port'].properties!.fixed_ips).toEqual([{ subnet_id: { get_attribute: ['shared-subnet', 'id'] } }]);
  });

  test('fails if the cidr is not a CIDR, naming the construct path and the value', () => {
    expect(errorOf(() => new OpenStackNetwork(stack, 'Net', { cidr: '10.0.0.0' })).message).toMatch(/^demo\/Net: cidr must be a CIDR such as 10\.0\.0\.0\/24, got "10\.0\.0\.0"/);
  });

  test('fails if the gateway is outside the CIDR', () => {
    expect(errorOf(() => new OpenStackNetwork(stack, 'Net', { cidr: '10.0.0.0/24', gatewayIp: '10.0.1.1' })).message).toContain('gatewayIp 10.0.1.1 is not inside cidr 10.0.0.0/24');
  });

  test('fails if an allocation pool is outside the CIDR', () => {
    expect(errorOf(() => new OpenStackNetwork(stack, 'Net', { cidr: '10.0.0.0/24', allocationPools: [{ start: '10.0.0.10', end: '10.0.2.1' }] })).message)
      .toContain('allocationPools[0] 10.0.0.10-10.0.2.1 is not inside cidr 10.0.0.0/24');
  });

  test('fails if fromId is given a name instead of an id', () => {
    expect(errorOf(() => OpenStackNetwork.fromId(stack, 'Net', 'public')).message).toContain('needs a network UUID, got "public"');
  });
});

describe('OpenStackServer', () => {
  test('makes a port with the network\'s default security group and a server on that port', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    const key = new OpenStackKeyPair(stack, 'Key');
    new OpenStackServer(stack, 'Web', { network, image: 'cirros', flavor: 'm1.tiny', keyPair: key, userData: '#cloud-config' });
    const all = nodes();
    expect([all['web-port'].properties, all['web-server'].properties]).toEqual([
      { network_id: { get_attribute: ['net-network', 'id'] }, fixed_ips: [{ subnet_id: { get_attribute: ['net-subnet', 'id'] } }], security_groups: [{ get_attribute: ['net-security-group', 'id'] }] },
      { image: 'cirros', flavor: 'm1.tiny', networks: [{ port_id: { get_attribute: ['web-port', 'id'] } }], key_name: { get_attribute: ['key', 'name'] }, user_data: '#cloud-config' },
    ]);
  });

  test('a floating IP is on the port and waits for the router interface', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    new OpenStackServer(stack, 'Web', { network, image: 'cirros', flavor: 'm1.tiny', floatingIp: true });
    const floatingIp = nodes()['web-floating-ip'];
    expect([floatingIp.properties, floatingIp.relationships!.map((r: any) => r.target).sort()]).toEqual([
      { floating_network: 'public', port_id: { get_attribute: ['web-port', 'id'] } },
      ['net-router-interface', 'web-port'],
    ]);
  });

  test('a volume of a size is created with the server and attached to it', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    new OpenStackServer(stack, 'Db', { network, image: 'cirros', flavor: 'm1.tiny', volumes: [{ sizeGb: 5, device: '/dev/vdb' }] });
    const all = nodes();
    expect([all['db-volume0'].properties, all['db-volume-attachment0'].properties]).toEqual([
      { size: 5 },
      { server_id: { get_attribute: ['db-server', 'id'] }, volume_id: { get_attribute: ['db-volume0', 'id'] }, device: '/dev/vdb' },
    ]);
  });

  test('nodes lists the whole unit, so a scaling group scales VM, port, floating IP and volume together', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    const worker = new OpenStackServer(stack, 'Worker', { network, image: 'cirros', flavor: 'm1.tiny', floatingIp: true, volumes: [{ sizeGb: 1 }] });
    new ScalingGroup(stack, 'workers', { members: worker.nodes, defaultInstances: 2 });
    expect(synthesizeStack(stack).blueprint.groups.workers.members.sort()).toEqual(['worker-floating-ip', 'worker-port', 'worker-server', 'worker-volume-attachment0', 'worker-volume0']);
  });

  test('fails if floatingIp is asked for on a network with no external network', () => {
    const network = new OpenStackNetwork(stack, 'Net', { externalNetwork: '' });
    expect(errorOf(() => new OpenStackServer(stack, 'Web', { network, image: 'cirros', flavor: 'm1.tiny', floatingIp: true })).message)
      .toMatch(/^demo\/Web: floatingIp needs an external network/);
  });

  test('fails if a floating IP address is given without floatingIp', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    expect(errorOf(() => new OpenStackServer(stack, 'Web', { network, image: 'cirros', flavor: 'm1.tiny', floatingIpAddress: '203.0.113.9' })).message)
      .toMatch(/^demo\/Web: floatingIpAddress needs floatingIp: true/);
  });

  test('fails if network is not a network construct', () => {
    expect(errorOf(() => new OpenStackServer(stack, 'Web', { network: { networkId: 'abc' } as any, image: 'cirros', flavor: 'm1.tiny' })).message)
      .toContain('network must be an OpenStackNetwork or OpenStackNetwork.fromName/fromId(...)');
  });

  test('fails if the image is empty', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    expect(errorOf(() => new OpenStackServer(stack, 'Web', { network, image: ' ', flavor: 'm1.tiny' })).message).toContain('demo/Web: image must not be empty');
  });

  test('fails if a volume has neither a volume nor a size', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    expect(errorOf(() => new OpenStackServer(stack, 'Web', { network, image: 'cirros', flavor: 'm1.tiny', volumes: [{}] })).message).toContain('volumes[0] needs a volume or a sizeGb >= 1');
  });
});

describe('OpenStackSecurityGroup, OpenStackVolume and OpenStackKeyPair', () => {
  test('security group rules become Neutron rules', () => {
    new OpenStackSecurityGroup(stack, 'Web', { rules: [{ protocol: 'tcp', fromPort: 80, toPort: 81 }, { direction: RuleDirection.EGRESS, protocol: 'udp', fromPort: 53, remoteIpPrefix: '10.0.0.0/8' }] });
    expect(nodes().web.properties!.rules).toEqual([
      { direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 81 },
      { direction: 'egress', protocol: 'udp', port_range_min: 53, port_range_max: 53, remote_ip_prefix: '10.0.0.0/8' },
    ]);
  });

  test('fails if a rule gives ports for ICMP', () => {
    expect(errorOf(() => new OpenStackSecurityGroup(stack, 'Web', { rules: [{ protocol: 'icmp', fromPort: 8 }] })).message).toContain('demo/Web: rules[0]: ports need protocol tcp or udp');
  });

  test('fails if a port range is reversed', () => {
    expect(errorOf(() => new OpenStackSecurityGroup(stack, 'Web', { rules: [{ protocol: 'tcp', fromPort: 90, toPort: 80 }] })).message).toContain('rules[0].toPort must be >= fromPort, got 90..80');
  });

  test('a volume carries its size, type and metadata', () => {
    new OpenStackVolume(stack, 'Data', { sizeGb: 10, volumeType: 'ssd', metadata: { purpose: 'db' } });
    expect(nodes().data.properties).toEqual({ size: 10, volume_type: 'ssd', metadata: { purpose: 'db' } });
  });

  test('fails if a volume size is not a whole number of GiB', () => {
    expect(errorOf(() => new OpenStackVolume(stack, 'Data', { sizeGb: 0.5 })).message).toContain('demo/Data: sizeGb must be a whole number of GiB from 1 up, got 0.5');
  });

  test('a key pair without a public key generates one, and its private key is an attribute', () => {
    const key = new OpenStackKeyPair(stack, 'Key');
    new OpenStackVolume(stack, 'Data', { sizeGb: 1, metadata: { key: key.privateKey as any } });
    expect([nodes().key.properties, nodes().data.properties!.metadata]).toEqual([undefined, { key: { get_attribute: ['key', 'private_key'] } }]);
  });

  test('fails if a public key is not an OpenSSH line', () => {
    expect(errorOf(() => new OpenStackKeyPair(stack, 'Key', { publicKey: '-----BEGIN PUBLIC KEY-----' })).message).toContain('publicKey must be an OpenSSH public key line');
  });

  test('constructs are recognized by brand, not instanceof', () => {
    const network = new OpenStackNetwork(stack, 'Net');
    expect([OpenStackNetwork.isOpenStackNetwork(network), OpenStackNetwork.isNetwork(OpenStackNetwork.fromName(stack, 'P', 'public')), OpenStackServer.isOpenStackServer(network)]).toEqual([true, true, false]);
  });
});

describe('OpenStackServerGroup', () => {
  test('a server group defaults to the soft anti-affinity policy', () => {
    new OpenStackServerGroup(stack, 'Spread');
    expect(nodes().spread).toMatchObject({ type: 'hybrid.nodes.openstack.ServerGroup', properties: { policy: 'soft-anti-affinity' } });
  });

  test('a server given the group carries its id as the server_group hint', () => {
    const group = new OpenStackServerGroup(stack, 'Spread', { policy: OpenStackServerGroupPolicy.ANTI_AFFINITY, maxServersPerHost: 2 });
    new OpenStackServer(stack, 'Web', { network: new OpenStackNetwork(stack, 'Net'), image: 'cirros', flavor: 'm1.tiny', serverGroup: group });
    expect([nodes().spread.properties, nodes()['web-server'].properties!.server_group]).toEqual([{ policy: 'anti-affinity', max_servers_per_host: 2 }, { get_attribute: ['spread', 'id'] }]);
  });

  test('a server still takes the id of a group made elsewhere', () => {
    new OpenStackServer(stack, 'Web', { network: new OpenStackNetwork(stack, 'Net'), image: 'cirros', flavor: 'm1.tiny', serverGroup: '6a1f3c2e-0000-4000-8000-000000000001' });
    expect(nodes()['web-server'].properties!.server_group).toBe('6a1f3c2e-0000-4000-8000-000000000001');
  });

  test('fromLookup looks up an existing group that destroy leaves in place', () => {
    OpenStackServerGroup.fromLookup(stack, 'Existing', { nameOrId: 'db-spread' });
    expect(nodes().existing.properties).toMatchObject({ use_external_resource: true, resource_id: 'db-spread' });
  });

  test('fails if maxServersPerHost is given with a policy other than ANTI_AFFINITY', () => {
    expect(errorOf(() => new OpenStackServerGroup(stack, 'Spread', { maxServersPerHost: 2 })).message).toContain('demo/Spread: maxServersPerHost is for the ANTI_AFFINITY policy, but the policy is soft-anti-affinity');
  });

  test('fails if the policy is not one of the four', () => {
    expect(errorOf(() => new OpenStackServerGroup(stack, 'Spread', { policy: 'spread' as any })).message).toContain('policy must be one of anti-affinity, affinity, soft-anti-affinity, soft-affinity, got "spread"');
  });
});
