/**
 * Every resource kind against the real test cloud, through the provider's handlers: what a create
 * makes is checked through the API (relations included), and the deletes leave the project empty.
 */
import { openstackProvider } from '../../../lib/providers/openstack';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { EMPTY_PROJECT, EXTERNAL_NETWORK, FLAVOR, IMAGE, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';
import { Driver, Instance } from './context';

describe('OpenStack resources on a real cloud', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let api: OpenStackClient;
  let driver: Driver;
  const provider = () => openstackProvider({ env: project.env });
  let network: Instance, subnet: Instance, router: Instance, routerInterface: Instance, group: Instance, port: Instance;
  let floatingIp: Instance, keyPair: Instance, server: Instance, volume: Instance, attachment: Instance;

  beforeAll(async () => {
    cloud = await startOpenStack();
    project = await cloud.project('resources');
    api = project.client();
    driver = new Driver(provider(), project, 'res');
    network = driver.instance('net_0');
    subnet = driver.instance('subnet_0');
    router = driver.instance('router_0');
    routerInterface = driver.instance('router-interface_0');
    group = driver.instance('sg_0');
    port = driver.instance('port_0');
    floatingIp = driver.instance('fip_0');
    keyPair = driver.instance('key_0');
    server = driver.instance('vm_0');
    volume = driver.instance('disk_0');
    attachment = driver.instance('disk-attachment_0');
  }, 600_000);

  afterAll(async () => {
    api?.close();
    await cloud?.cleanup();
  });

  test('a network is created with the identity as its name, description and tag', async () => {
    await driver.call('network', 'create', network, {});
    const found = (await api.get('network', `/v2.0/networks/${network.runtime.id}`)).body.network;
    expect([found.name, found.description, found.tags]).toEqual(['res.net_0', 'hybrid:res.net_0', expect.arrayContaining(['hybrid:res.net_0', 'hybrid-stack:res'])]);
  });

  test('a subnet gets its CIDR, gateway, DNS servers and allocation pool on its network', async () => {
    await driver.call('subnet', 'create', subnet, {
      network_id: network.runtime.id, cidr: '10.20.0.0/24', gateway_ip: '10.20.0.1', dns_nameservers: ['10.20.0.53'],
      allocation_pools: [{ start: '10.20.0.100', end: '10.20.0.150' }],
    });
    const found = (await api.get('network', `/v2.0/subnets/${subnet.runtime.id}`)).body.subnet;
    expect(found).toMatchObject({ network_id: network.runtime.id, cidr: '10.20.0.0/24', gateway_ip: '10.20.0.1', dns_nameservers: ['10.20.0.53'], allocation_pools: [{ start: '10.20.0.100', end: '10.20.0.150' }] });
  });

  test('a router gets a gateway on the external network', async () => {
    await driver.call('router', 'create', router, { external_network: EXTERNAL_NETWORK });
    const publicId = (await api.get('network', '/v2.0/networks', { query: { name: EXTERNAL_NETWORK } })).body.networks[0].id;
    const found = (await api.get('network', `/v2.0/routers/${router.runtime.id}`)).body.router;
    expect(found.external_gateway_info.network_id).toBe(publicId);
  });

  test('a router interface puts a router port with the subnet gateway address on the subnet', async () => {
    await driver.call('router_interface', 'create', routerInterface, { router_id: router.runtime.id, subnet_id: subnet.runtime.id });
    const ports = (await api.get('network', '/v2.0/ports', { query: { device_id: router.runtime.id, device_owner: 'network:router_interface' } })).body.ports;
    expect(ports.map((p: any) => p.fixed_ips[0])).toEqual([{ subnet_id: subnet.runtime.id, ip_address: '10.20.0.1' }]);
  });

  test('a security group has exactly the rules asked for plus the default egress rules', async () => {
    await driver.call('security_group', 'create', group, {
      rules: [{ direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' }, { protocol: 'icmp' }],
    });
    const rules = (await api.get('network', '/v2.0/security-group-rules', { query: { security_group_id: group.runtime.id } })).body.security_group_rules;
    const summary = rules.map((r: any) => `${r.direction} ${r.ethertype} ${r.protocol ?? 'any'} ${r.port_range_min ?? ''}`).sort();
    expect(summary).toEqual(['egress IPv4 any ', 'egress IPv6 any ', 'ingress IPv4 icmp ', 'ingress IPv4 tcp 22']);
  });

  test('a port gets the fixed address and security group asked for', async () => {
    await driver.call('port', 'create', port, { network_id: network.runtime.id, fixed_ips: [{ subnet_id: subnet.runtime.id, ip_address: '10.20.0.110' }], security_groups: [group.runtime.id] });
    const found = (await api.get('network', `/v2.0/ports/${port.runtime.id}`)).body.port;
    expect([found.fixed_ips[0].ip_address, found.security_groups, port.runtime.ip]).toEqual(['10.20.0.110', [group.runtime.id], '10.20.0.110']);
  });

  test('a key pair without a public key is generated here and its private key is a secret', async () => {
    const result = await driver.call('keypair', 'create', keyPair, {});
    const found = (await api.get('compute', `/os-keypairs/${encodeURIComponent(keyPair.runtime.name)}`)).body.keypair;
    expect([found.public_key.split(' ')[0], result.secretRuntimeProperties, keyPair.secrets.includes(keyPair.runtime.private_key)]).toEqual(['ssh-ed25519', ['private_key'], true]);
  });

  test('a server on the port reaches ACTIVE with the key pair, metadata and tags', async () => {
    await driver.call('server', 'create', server, { image: IMAGE, flavor: FLAVOR, networks: [{ port_id: port.runtime.id }], key_name: keyPair.runtime.name, user_data: '#cloud-config\n', metadata: { role: 'test' } });
    const found = (await api.get('compute', `/servers/${server.runtime.id}`)).body.server;
    expect({ status: found.status, key: found.key_name, role: found.metadata.role, identity: found.metadata.hybrid_identity, ip: server.runtime.ip })
      .toEqual({ status: 'ACTIVE', key: keyPair.runtime.name, role: 'test', identity: 'res.vm_0', ip: '10.20.0.110' });
  }, 120_000);

  test('the server\'s port is bound to it', async () => {
    const found = (await api.get('network', `/v2.0/ports/${port.runtime.id}`)).body.port;
    expect([found.device_id, server.runtime.port_ids]).toEqual([server.runtime.id, [port.runtime.id]]);
  });

  test('a floating IP on the external network is associated with the server\'s port', async () => {
    await driver.call('floating_ip', 'create', floatingIp, { floating_network: EXTERNAL_NETWORK, port_id: port.runtime.id });
    const found = (await api.get('network', `/v2.0/floatingips/${floatingIp.runtime.id}`)).body.floatingip;
    expect([found.port_id, found.fixed_ip_address, found.floating_ip_address]).toEqual([port.runtime.id, '10.20.0.110', floatingIp.runtime.floating_ip_address]);
  });

  test("a floating IP the project holds already is refused while it is on another port, naming the port", async () => {
    const held = driver.instance('held-fip_0');
    const lookup = { floating_network: EXTERNAL_NETWORK, use_external_resource: true, resource_id: floatingIp.runtime.floating_ip_address, port_id: 'another-port' };
    await expect(driver.call('floating_ip', 'create', held, lookup)).rejects.toThrow(`floating IP ${floatingIp.runtime.floating_ip_address} is associated with another port (${port.runtime.id}); disassociate it first or use another address`);
  });

  test('a volume becomes available, and an attachment puts it in use on the server', async () => {
    await driver.call('volume', 'create', volume, { size: 1 });
    await driver.call('volume_attachment', 'create', attachment, { server_id: server.runtime.id, volume_id: volume.runtime.id });
    const found = (await api.get('block-storage', `/volumes/${volume.runtime.id}`)).body.volume;
    expect([found.status, found.attachments.map((a: any) => a.server_id)]).toEqual(['in-use', [server.runtime.id]]);
  }, 120_000);

  test('read reports a resource in sync as existing with no drift', async () => {
    const result = await driver.call('security_group', 'read', group, {
      rules: [{ direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' }, { protocol: 'icmp' }],
    });
    expect([result.exists, result.drift]).toEqual([true, []]);
  });

  test('read reports a rule removed behind hybrid\'s back as drift, and update restores it', async () => {
    const properties = { rules: [{ direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' }, { protocol: 'icmp' }] };
    const rules = (await api.get('network', '/v2.0/security-group-rules', { query: { security_group_id: group.runtime.id, protocol: 'icmp' } })).body.security_group_rules;
    await api.delete('network', `/v2.0/security-group-rules/${rules[0].id}`);
    expect((await driver.call('security_group', 'read', group, properties)).drift).toEqual(['1 rule(s) missing']);
    await driver.call('security_group', 'update', group, properties);
    expect((await driver.call('security_group', 'read', group, properties)).drift).toEqual([]);
  });

  test('deleting in dependency order leaves nothing in the project', async () => {
    await driver.call('volume_attachment', 'delete', attachment, { server_id: server.runtime.id, volume_id: volume.runtime.id });
    await driver.call('volume', 'delete', volume, { size: 1 });
    await driver.call('floating_ip', 'delete', floatingIp, { floating_network: EXTERNAL_NETWORK });
    await driver.call('server', 'delete', server, {});
    await driver.call('keypair', 'delete', keyPair, {});
    await driver.call('port', 'delete', port, { network_id: network.runtime.id });
    await driver.call('security_group', 'delete', group, {});
    await driver.call('router_interface', 'delete', routerInterface, { router_id: router.runtime.id, subnet_id: subnet.runtime.id });
    await driver.call('router', 'delete', router, {});
    await driver.call('subnet', 'delete', subnet, { network_id: network.runtime.id, cidr: '10.20.0.0/24' });
    await driver.call('network', 'delete', network, {});
    expect(await inventory(api)).toEqual(EMPTY_PROJECT);
  }, 180_000);

  test('an existing network is looked up by name and its delete leaves it in place', async () => {
    const lookup = driver.instance('public_0');
    await driver.call('network', 'create', lookup, { use_external_resource: true, resource_id: EXTERNAL_NETWORK });
    await driver.call('network', 'delete', lookup, { use_external_resource: true, resource_id: EXTERNAL_NETWORK });
    const found = (await api.get('network', '/v2.0/networks', { query: { name: EXTERNAL_NETWORK } })).body.networks;
    expect([lookup.runtime.id, found.map((network: any) => network.id)]).toEqual([undefined, [expect.any(String)]]);
  });

  test('a subnet lookup without a name finds the network\'s only subnet', async () => {
    const network = (await api.post('network', '/v2.0/networks', { network: { name: 'existing' } })).body.network;
    const subnet = (await api.post('network', '/v2.0/subnets', { subnet: { name: 'existing-subnet', network_id: network.id, cidr: '10.99.0.0/24', ip_version: 4 } })).body.subnet;
    const lookup = driver.instance('existing-subnet_0');
    await driver.call('subnet', 'create', lookup, { use_external_resource: true, resource_id: '', network_id: network.id });
    await api.delete('network', `/v2.0/networks/${network.id}`);
    expect(lookup.runtime.id).toBe(subnet.id);
  });

  test('an image is looked up by name', async () => {
    const image = driver.instance('image_0');
    await driver.call('image', 'create', image, { use_external_resource: true, resource_id: IMAGE });
    expect([image.runtime.name, image.runtime.status, image.runtime.external]).toEqual([IMAGE, 'active', true]);
  });

  test('fails if a looked-up resource does not exist, naming it', async () => {
    await expect(driver.call('network', 'create', driver.instance('missing_0'), { use_external_resource: true, resource_id: 'no-such-network' }))
      .rejects.toThrow("no network has the name or id 'no-such-network'");
  });

  test('read of a deleted resource says it does not exist', async () => {
    expect((await driver.call('network', 'read', driver.instance('net_0'), {})).exists).toBe(false);
  });
});
