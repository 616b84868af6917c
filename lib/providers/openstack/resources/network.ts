/** Networks and subnets (Neutron). */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { NEVER_ABORTED, bool, int, list, looksLikeId, required, resourceName, str } from './common';
import type { Kind } from './kind';
import {
  NeutronResource, compareFields, neutronCreate, neutronDelete, neutronFindAllByIdentity, neutronGet, neutronList, neutronTag, neutronUpdate,
} from './neutron';

function networkFields(context: OperationContext) {
  const mtu = int(context, 'mtu');
  return {
    name: resourceName(context),
    admin_state_up: bool(context, 'admin_state_up', true),
    ...(mtu !== undefined && mtu > 0 ? { mtu } : {}),
  };
}

export const networkKind: Kind<NeutronResource> = {
  name: 'network',
  label: 'network',
  runtimeNames: ['id', 'name', 'status', 'mtu', 'external'],
  get: (client, id, context) => neutronGet(client, 'networks', 'network', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'networks', { name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'networks', context),
  create: (client, context) => neutronCreate(client, 'networks', 'network', networkFields(context), context),
  settle: (client, context, found) => neutronTag(client, 'networks', found, context),
  runtime: (network) => ({ id: network.id, name: network.name, status: network.status, mtu: network.mtu, external: network['router:external'] === true }),
  drift: (network, context) => compareFields(network, networkFields(context)),
  update: (client, context, network) => neutronUpdate(client, 'networks', 'network', network.id, networkFields(context), context.signal),
  remove: (client, context, network) => neutronDelete(client, 'networks', 'network', network.id, context),
};

/** An external network by name or id (router gateways, floating IPs); fifty floating IPs resolve `public` once per run. */
export function externalNetworkId(client: OpenStackClient, reference: string, context: OperationContext): Promise<string> {
  return client.memo(`external-network:${reference}`, () => findExternalNetwork(client, reference, NEVER_ABORTED));
}

async function findExternalNetwork(client: OpenStackClient, reference: string, signal: AbortSignal): Promise<string> {
  if (looksLikeId(reference)) {
    const network = await neutronGet(client, 'networks', 'network', reference, signal);
    if (network) return network.id;
  }
  const named = await neutronList(client, 'networks', { name: reference }, signal);
  const external = named.filter((network) => network['router:external'] === true);
  const candidates = external.length ? external : named;
  if (candidates.length === 1) return candidates[0].id;
  if (candidates.length === 0) throw new NonRecoverableError(`no network has the name or id '${reference}'`);
  throw new NonRecoverableError(`${candidates.length} networks are named '${reference}' (ids ${candidates.map((n) => n.id).join(', ')}); use the id`);
}

interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

/** `gateway_ip`: '' lets Neutron pick the first address, 'none' means no gateway. */
function subnetFields(context: OperationContext) {
  const gateway = str(context, 'gateway_ip');
  const pools = list<AllocationPool>(context, 'allocation_pools');
  for (const pool of pools) {
    if (!pool || typeof pool.start !== 'string' || typeof pool.end !== 'string') {
      throw new NonRecoverableError(`allocation_pools entries must be { start, end } address pairs, got ${JSON.stringify(pool)}`);
    }
  }
  return {
    name: resourceName(context),
    enable_dhcp: bool(context, 'enable_dhcp', true),
    dns_nameservers: list<string>(context, 'dns_nameservers'),
    ...(gateway === 'none' ? { gateway_ip: null } : gateway ? { gateway_ip: gateway } : {}),
    ...(pools.length ? { allocation_pools: pools.map(({ start, end }) => ({ start, end })) } : {}),
    ...(list(context, 'host_routes').length ? { host_routes: list(context, 'host_routes') } : {}),
  };
}

export const subnetKind: Kind<NeutronResource> = {
  name: 'subnet',
  label: 'subnet',
  runtimeNames: ['id', 'name', 'cidr', 'gateway_ip', 'network_id', 'ip_version'],
  get: (client, id, context) => neutronGet(client, 'subnets', 'subnet', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'subnets', { name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'subnets', context),
  create: (client, context) =>
    neutronCreate(client, 'subnets', 'subnet', {
      network_id: required(context, 'network_id'),
      cidr: required(context, 'cidr'),
      ip_version: int(context, 'ip_version', 4),
      ...subnetFields(context),
    }, context),
  settle: (client, context, found) => neutronTag(client, 'subnets', found, context),
  /** A lookup with no resource_id means the network's only subnet. */
  lookupDefault: async (client, context) => {
    const networkId = required(context, 'network_id');
    const subnets = await neutronList(client, 'subnets', { network_id: networkId }, context.signal);
    if (subnets.length === 1) return subnets[0];
    throw new NonRecoverableError(`network ${networkId} has ${subnets.length} subnets, so resource_id must name the one to use`);
  },
  runtime: (subnet) => ({ id: subnet.id, name: subnet.name, cidr: subnet.cidr, gateway_ip: subnet.gateway_ip ?? '', network_id: subnet.network_id, ip_version: subnet.ip_version }),
  drift: (subnet, context) => compareFields(subnet, { cidr: str(context, 'cidr') || undefined, ...subnetFields(context) }),
  update: (client, context, subnet) => neutronUpdate(client, 'subnets', 'subnet', subnet.id, subnetFields(context), context.signal),
  remove: (client, context, subnet) => neutronDelete(client, 'subnets', 'subnet', subnet.id, context),
};
