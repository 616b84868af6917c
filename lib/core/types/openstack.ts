import { NodeTypeDefinition, PropertySchema, TypesDocument } from './schema';

/**
 * Node types of the OpenStack provider, each derived from the matching Cloudify type. Every type
 * takes `cloud` and `region`; credentials are never properties (clouds.yaml, secure.yaml or OS_*
 * variables hold them). `use_external_resource: true` with `resource_id` (a name or an id) looks
 * up an existing resource instead of creating one, and leaves it in place on destroy.
 */
const CONNECTION: { [name: string]: PropertySchema } = {
  cloud: { type: 'string', default: '', description: 'The cloud in clouds.yaml; empty means OS_CLOUD, then the OS_* variables.' },
  region: { type: 'string', default: '', description: 'The region; empty means the cloud\'s.' },
};

function resourceType(
  derivedFrom: string,
  implementation: string,
  description: string,
  properties: { [name: string]: PropertySchema },
  options: { update?: boolean } = {},
): NodeTypeDefinition {
  const prefix = `hybrid.openstack.${implementation}`;
  return {
    derived_from: derivedFrom,
    description,
    properties: { ...CONNECTION, ...properties },
    interfaces: {
      'cloudify.interfaces.lifecycle': {
        create: `${prefix}.create`,
        ...(options.update === false ? {} : { update: `${prefix}.update` }),
        delete: `${prefix}.delete`,
        check_drift: `${prefix}.read`,
      },
    },
  };
}

const NAME: PropertySchema = { type: 'string', default: '', description: 'The resource name; empty means the deterministic identity `<stack>.<instance id>`.' };

export const OPENSTACK_TYPES: TypesDocument = {
  node_types: {
    'hybrid.nodes.openstack.Network': resourceType('cloudify.nodes.Network', 'network', 'A Neutron network.', {
      name: NAME,
      admin_state_up: { type: 'boolean', default: true, description: 'Administrative state.' },
      mtu: { type: 'integer', default: 0, description: 'MTU in bytes; 0 lets Neutron choose.' },
    }),
    'hybrid.nodes.openstack.Subnet': resourceType('cloudify.nodes.Subnet', 'subnet', 'A Neutron subnet of a network.', {
      network_id: { type: 'string', default: '', description: 'The network (usually the network node\'s `id` attribute); required unless use_external_resource.' },
      cidr: { type: 'string', default: '', description: 'The address range, e.g. 10.0.0.0/24; required unless use_external_resource.' },
      ip_version: { type: 'integer', default: 4, description: '4 or 6.' },
      name: NAME,
      gateway_ip: { type: 'string', default: '', description: 'The gateway address; empty picks the first address, `none` means no gateway.' },
      enable_dhcp: { type: 'boolean', default: true, description: 'Whether Neutron serves DHCP on it.' },
      dns_nameservers: { type: 'list', default: [], description: 'DNS server addresses handed to servers.' },
      allocation_pools: { type: 'list', default: [], description: 'Address ranges `{ start, end }` for ports; empty means the whole CIDR but the gateway.' },
      host_routes: { type: 'list', default: [], description: 'Static routes `{ destination, nexthop }`.' },
    }),
    'hybrid.nodes.openstack.Router': resourceType('cloudify.nodes.Router', 'router', 'A Neutron router, optionally with a gateway on an external network.', {
      name: NAME,
      admin_state_up: { type: 'boolean', default: true, description: 'Administrative state.' },
      external_network: { type: 'string', default: '', description: 'The external network (name or id) of the gateway; empty means none.' },
    }),
    'hybrid.nodes.openstack.RouterInterface': resourceType('cloudify.nodes.Root', 'router_interface', 'An interface of a router on a subnet.', {
      router_id: { type: 'string', required: true, description: 'The router.' },
      subnet_id: { type: 'string', required: true, description: 'The subnet.' },
    }, { update: false }),
    'hybrid.nodes.openstack.SecurityGroup': resourceType('cloudify.nodes.SecurityGroup', 'security_group', 'A Neutron security group with its rules.', {
      name: NAME,
      rules: {
        type: 'list',
        default: [],
        description: 'Rules `{ direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id }`; remote_group_id `self` means this group.',
      },
      remove_default_egress: { type: 'boolean', default: false, description: 'Remove the allow-all egress rules Neutron adds to every group.' },
    }),
    'hybrid.nodes.openstack.Port': resourceType('cloudify.nodes.Port', 'port', 'A Neutron port.', {
      network_id: { type: 'string', required: true, description: 'The network.' },
      name: NAME,
      fixed_ips: { type: 'list', default: [], description: 'Addresses `{ subnet_id, ip_address }`; empty means one from any subnet.' },
      security_groups: { type: 'list', default: [], description: 'Security group ids; empty means the project\'s default group.' },
      allowed_address_pairs: { type: 'list', default: [], description: 'Extra addresses `{ ip_address, mac_address }` the port may use.' },
      port_security_enabled: { type: 'boolean', default: true, description: 'Whether security groups and anti-spoofing apply.' },
      admin_state_up: { type: 'boolean', default: true, description: 'Administrative state.' },
    }),
    'hybrid.nodes.openstack.FloatingIP': resourceType('cloudify.nodes.VirtualIP', 'floating_ip', 'A floating IP on an external network, optionally associated with a port.', {
      floating_network: { type: 'string', required: true, description: 'The external network (name or id).' },
      floating_ip_address: { type: 'string', default: '', description: 'A specific address; empty means any free one.' },
      port_id: { type: 'string', default: '', description: 'The port to associate; empty leaves it unassociated.' },
      fixed_ip_address: { type: 'string', default: '', description: 'Which fixed address of the port, when it has several.' },
    }),
    'hybrid.nodes.openstack.KeyPair': resourceType('cloudify.nodes.Root', 'keypair', 'A Nova key pair. Without public_key, an Ed25519 key is generated and its private key kept as a secret attribute.', {
      name: NAME,
      public_key: { type: 'string', default: '', description: 'An OpenSSH public key line; empty generates a key pair.' },
    }, { update: false }),
    'hybrid.nodes.openstack.ServerGroup': resourceType('cloudify.nodes.Root', 'server_group', 'A Nova server group: servers created with it are placed by its policy. Never changed in place; a new policy replaces it.', {
      name: NAME,
      policy: { type: 'string', default: 'soft-anti-affinity', description: '`anti-affinity` (each server on another compute host, or the create fails), `affinity`, `soft-anti-affinity` or `soft-affinity` (as far as the hosts allow).' },
      max_servers_per_host: { type: 'integer', default: 0, description: 'With anti-affinity, how many of its servers one host may take (compute microversion 2.64); 0 means Nova\'s default, 1.' },
    }, { update: false }),
    'hybrid.nodes.openstack.Server': resourceType('cloudify.nodes.Compute', 'server', 'A Nova server; create waits for ACTIVE, or fails with Nova\'s fault message.', {
      name: NAME,
      image: { type: 'string', required: true, description: 'The image (name or id).' },
      flavor: { type: 'string', required: true, description: 'The flavor (name or id).' },
      networks: { type: 'list', default: [], description: 'Where its ports go: `{ port_id }` or `{ network_id, fixed_ip }`; empty means no network.' },
      security_groups: { type: 'list', default: [], description: 'Security group names or ids for ports Nova makes (not for given ports).' },
      key_name: { type: 'string', default: '', description: 'The key pair name.' },
      user_data: { type: 'string', default: '', description: 'User data (cloud-init), as text.' },
      metadata: { type: 'dict', default: {}, description: 'Server metadata; hybrid adds hybrid_identity and hybrid_stack.' },
      server_group: { type: 'string', default: '', description: 'A server group id (the `group` scheduler hint): the server is placed by the group\'s policy.' },
      availability_zone: { type: 'string', default: '', description: 'The availability zone; empty means Nova\'s default.' },
    }),
    'hybrid.nodes.openstack.Volume': resourceType('cloudify.nodes.Volume', 'volume', 'A Cinder volume; create waits until it is available.', {
      size: { type: 'integer', required: true, description: 'Size in GiB; a larger size extends it in place.' },
      name: NAME,
      description: { type: 'string', default: '', description: 'A description.' },
      volume_type: { type: 'string', default: '', description: 'The volume type; empty means the default.' },
      availability_zone: { type: 'string', default: '', description: 'The availability zone.' },
      image: { type: 'string', default: '', description: 'An image (name or id) to create it from.' },
      metadata: { type: 'dict', default: {}, description: 'Volume metadata; hybrid adds hybrid_identity and hybrid_stack.' },
    }),
    'hybrid.nodes.openstack.VolumeAttachment': resourceType('cloudify.nodes.Root', 'volume_attachment', 'A volume attached to a server.', {
      server_id: { type: 'string', required: true, description: 'The server.' },
      volume_id: { type: 'string', required: true, description: 'The volume.' },
      device: { type: 'string', default: '', description: 'The device name, e.g. /dev/vdb; empty lets Nova choose.' },
    }, { update: false }),
    'hybrid.nodes.openstack.Image': resourceType('cloudify.nodes.Root', 'image', 'A Glance image, looked up (use_external_resource) by name or id; never created.', {}, { update: false }),
  },
};
