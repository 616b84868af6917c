/**
 * Routers and router interfaces (Neutron). An interface is its own node, so the engine orders it
 * like any resource: after its router and subnet on install, before them on uninstall (Neutron
 * refuses to delete a router that still has interfaces, or a subnet a router is attached to).
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { bool, logRetries, required, resourceName, str, waitGone } from './common';
import type { Kind } from './kind';
import { externalNetworkId } from './network';
import {
  NeutronResource, compareFields, neutronCreate, neutronDelete, neutronFindAllByIdentity, neutronGet, neutronList, neutronTag, neutronUpdate,
} from './neutron';

async function routerFields(client: OpenStackClient, context: OperationContext) {
  const external = str(context, 'external_network');
  return {
    name: resourceName(context),
    admin_state_up: bool(context, 'admin_state_up', true),
    external_gateway_info: external ? { network_id: await externalNetworkId(client, external, context) } : null,
  };
}

export const routerKind: Kind<NeutronResource> = {
  name: 'router',
  label: 'router',
  runtimeNames: ['id', 'name', 'external_network_id', 'external_ip'],
  get: (client, id, context) => neutronGet(client, 'routers', 'router', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'routers', { name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'routers', context),
  create: async (client, context) => neutronCreate(client, 'routers', 'router', await routerFields(client, context), context),
  settle: (client, context, found) => neutronTag(client, 'routers', found, context),
  runtime: (router) => ({
    id: router.id,
    name: router.name,
    external_network_id: router.external_gateway_info?.network_id ?? '',
    external_ip: router.external_gateway_info?.external_fixed_ips?.[0]?.ip_address ?? '',
  }),
  drift: async (router, context, client) => {
    const wanted = await routerFields(client, context);
    return compareFields(
      { name: router.name, admin_state_up: router.admin_state_up, external_network: router.external_gateway_info?.network_id ?? null },
      { name: wanted.name, admin_state_up: wanted.admin_state_up, external_network: wanted.external_gateway_info?.network_id ?? null },
    );
  },
  update: async (client, context, router) => neutronUpdate(client, 'routers', 'router', router.id, await routerFields(client, context), context.signal),
  remove: async (client, context, router) => {
    // Interfaces hybrid did not create (added by hand) would block the delete: detach them first.
    const ports = await neutronList(client, 'ports', { device_id: router.id }, context.signal);
    for (const port of ports.filter((p) => String(p.device_owner).startsWith('network:router_interface'))) {
      context.log('info', `detaching interface port ${port.id} from router ${router.id} before deleting it`);
      await client.put('network', `/v2.0/routers/${router.id}/remove_router_interface`, { port_id: port.id }, { allow: [404], signal: context.signal });
    }
    await neutronDelete(client, 'routers', 'router', router.id, context);
  },
};

/** A router interface is identified by its port: the router's port with an address on the subnet. */
interface RouterInterface {
  readonly id: string;
  readonly router_id: string;
  readonly subnet_id: string;
  readonly ip_address: string;
}

async function findInterface(client: OpenStackClient, routerId: string, subnetId: string, signal: AbortSignal): Promise<RouterInterface | undefined> {
  const ports = await neutronList(client, 'ports', { device_id: routerId, fixed_ips: `subnet_id=${subnetId}` }, signal);
  const port = ports.find((p) => String(p.device_owner).startsWith('network:router_interface') && (p.fixed_ips ?? []).some((ip: any) => ip.subnet_id === subnetId));
  if (!port) return undefined;
  return { id: port.id, router_id: routerId, subnet_id: subnetId, ip_address: port.fixed_ips.find((ip: any) => ip.subnet_id === subnetId)?.ip_address ?? '' };
}

export const routerInterfaceKind: Kind<RouterInterface> = {
  name: 'router_interface',
  label: 'router interface',
  runtimeNames: ['id', 'port_id', 'router_id', 'subnet_id', 'ip_address'],
  get: async (client, id, context) => {
    const port = await neutronGet(client, 'ports', 'port', id, context.signal);
    if (!port || !String(port.device_owner).startsWith('network:router_interface')) return undefined;
    const ip = (port.fixed_ips ?? [])[0] ?? {};
    return { id: port.id, router_id: port.device_id, subnet_id: ip.subnet_id, ip_address: ip.ip_address };
  },
  findByName: async () => {
    throw new NonRecoverableError('router interfaces cannot be looked up by name; give router_id and subnet_id');
  },
  findByIdentity: (client, context) => findInterface(client, required(context, 'router_id'), required(context, 'subnet_id'), context.signal),
  create: async (client, context) => {
    const routerId = required(context, 'router_id');
    const subnetId = required(context, 'subnet_id');
    const response = await client.put('network', `/v2.0/routers/${routerId}/add_router_interface`, { subnet_id: subnetId }, {
      signal: context.signal,
      // 409 here is usually "the router already has a port on this subnet" from an earlier attempt.
      allow: [409],
    });
    if (response.status === 409) {
      const existing = await findInterface(client, routerId, subnetId, context.signal);
      if (existing) return existing;
      throw new NonRecoverableError(`router ${routerId} refused an interface on subnet ${subnetId}: ${JSON.stringify(response.body)}`);
    }
    return { id: response.body.port_id, router_id: routerId, subnet_id: subnetId, ip_address: '' };
  },
  runtime: async (routerInterface, context, client) => {
    const complete = routerInterface.ip_address ? routerInterface : (await findInterface(client, routerInterface.router_id, routerInterface.subnet_id, context.signal)) ?? routerInterface;
    return { id: complete.id, port_id: complete.id, router_id: complete.router_id, subnet_id: complete.subnet_id, ip_address: complete.ip_address };
  },
  drift: () => [],
  remove: async (client, context, routerInterface) => {
    await client.put('network', `/v2.0/routers/${routerInterface.router_id}/remove_router_interface`, { subnet_id: routerInterface.subnet_id }, {
      allow: [404],
      signal: context.signal,
      onRetry: logRetries(context, 'the removal of the interface'),
    });
    await waitGone(() => neutronGet(client, 'ports', 'port', routerInterface.id, context.signal), { signal: context.signal, intervalMs: 200 });
  },
};
