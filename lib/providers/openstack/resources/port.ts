/** Ports and floating IPs (Neutron). */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import { bool, list, required, resourceName, str } from './common';
import type { Kind } from './kind';
import { externalNetworkId } from './network';
import {
  NeutronResource, compareFields, neutronCreate, neutronDelete, neutronFindAllByIdentity, neutronGet, neutronList, neutronTag, neutronUpdate,
} from './neutron';

function fixedIps(context: OperationContext): Array<{ subnet_id?: string; ip_address?: string }> {
  return list(context, 'fixed_ips').map((entry, index) => {
    if (!entry || typeof entry !== 'object' || (!entry.subnet_id && !entry.ip_address)) {
      throw new NonRecoverableError(`fixed_ips[${index}] must give subnet_id, ip_address or both, got ${JSON.stringify(entry)}`);
    }
    return { ...(entry.subnet_id ? { subnet_id: String(entry.subnet_id) } : {}), ...(entry.ip_address ? { ip_address: String(entry.ip_address) } : {}) };
  });
}

function portFields(context: OperationContext) {
  const portSecurity = bool(context, 'port_security_enabled', true);
  const pairs = list(context, 'allowed_address_pairs');
  return {
    name: resourceName(context),
    admin_state_up: bool(context, 'admin_state_up', true),
    ...(portSecurity ? { security_groups: list<string>(context, 'security_groups').map(String) } : { security_groups: [], port_security_enabled: false }),
    ...(pairs.length ? { allowed_address_pairs: pairs } : {}),
  };
}

function firstAddress(port: NeutronResource, version: 4 | 6): string {
  const address = (port.fixed_ips ?? []).map((ip: any) => String(ip.ip_address)).find((ip: string) => (version === 4 ? !ip.includes(':') : ip.includes(':')));
  return address ?? '';
}

export const portKind: Kind<NeutronResource> = {
  name: 'port',
  label: 'port',
  runtimeNames: ['id', 'name', 'network_id', 'mac_address', 'fixed_ips', 'ip', 'ipv4_address', 'ipv6_address'],
  get: (client, id, context) => neutronGet(client, 'ports', 'port', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'ports', { name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'ports', context),
  create: (client, context) => {
    const ips = fixedIps(context);
    return neutronCreate(client, 'ports', 'port', { network_id: required(context, 'network_id'), ...(ips.length ? { fixed_ips: ips } : {}), ...portFields(context) }, context);
  },
  settle: (client, context, found) => neutronTag(client, 'ports', found, context),
  runtime: (port) => ({
    id: port.id,
    name: port.name,
    network_id: port.network_id,
    mac_address: port.mac_address,
    fixed_ips: (port.fixed_ips ?? []).map((ip: any) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
    ip: firstAddress(port, 4) || firstAddress(port, 6),
    ipv4_address: firstAddress(port, 4),
    ipv6_address: firstAddress(port, 6),
  }),
  drift: (port, context) => {
    const wanted = portFields(context);
    const drift = compareFields(port, { name: wanted.name, admin_state_up: wanted.admin_state_up, security_groups: wanted.security_groups });
    for (const ip of fixedIps(context).filter((entry) => entry.ip_address)) {
      if (!(port.fixed_ips ?? []).some((actual: any) => actual.ip_address === ip.ip_address)) drift.push(`fixed address ${ip.ip_address} is missing`);
    }
    return drift;
  },
  update: (client, context, port) => {
    const ips = fixedIps(context);
    return neutronUpdate(client, 'ports', 'port', port.id, { ...portFields(context), ...(ips.length ? { fixed_ips: ips } : {}) }, context.signal);
  },
  remove: (client, context, port) => neutronDelete(client, 'ports', 'port', port.id, context),
};

export const floatingIpKind: Kind<NeutronResource> = {
  name: 'floating_ip',
  label: 'floating IP',
  runtimeNames: ['id', 'floating_ip_address', 'ip', 'floating_network_id', 'port_id', 'fixed_ip_address'],
  get: (client, id, context) => neutronGet(client, 'floatingips', 'floatingip', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'floatingips', { floating_ip_address: name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'floatingips', context),
  create: async (client, context) => {
    const address = str(context, 'floating_ip_address');
    const fixed = str(context, 'fixed_ip_address');
    const port = str(context, 'port_id');
    return neutronCreate(client, 'floatingips', 'floatingip', {
      floating_network_id: await externalNetworkId(client, required(context, 'floating_network'), context),
      ...(address ? { floating_ip_address: address } : {}),
      ...(port ? { port_id: port } : {}),
      ...(port && fixed ? { fixed_ip_address: fixed } : {}),
    }, context);
  },
  settle: async (client, context, found) => {
    const tagged = await neutronTag(client, 'floatingips', found, context);
    const port = str(context, 'port_id') || null;
    return tagged.port_id === port ? tagged : neutronUpdate(client, 'floatingips', 'floatingip', tagged.id, { port_id: port }, context.signal);
  },
  runtime: (ip) => ({
    id: ip.id,
    floating_ip_address: ip.floating_ip_address,
    ip: ip.floating_ip_address,
    floating_network_id: ip.floating_network_id,
    port_id: ip.port_id ?? '',
    fixed_ip_address: ip.fixed_ip_address ?? '',
  }),
  drift: (ip, context) => compareFields({ port_id: ip.port_id ?? null }, { port_id: str(context, 'port_id') || null }),
  update: (client, context, ip) => {
    const port = str(context, 'port_id') || null;
    const fixed = str(context, 'fixed_ip_address');
    return neutronUpdate(client, 'floatingips', 'floatingip', ip.id, { port_id: port, ...(port && fixed ? { fixed_ip_address: fixed } : {}) }, context.signal);
  },
  remove: (client, context, ip) => neutronDelete(client, 'floatingips', 'floatingip', ip.id, context),
  // A floating IP the project holds already: associated with this stack's port, and on delete
  // disassociated (if still on that port) but kept.
  useExternal: async (client, context, ip) => {
    const port = str(context, 'port_id');
    if (!port || ip.port_id === port) return ip;
    if (ip.port_id) throw new NonRecoverableError(`floating IP ${ip.floating_ip_address} is associated with another port (${ip.port_id}); disassociate it first or use another address`);
    return neutronUpdate(client, 'floatingips', 'floatingip', ip.id, { port_id: port }, context.signal);
  },
  releaseExternal: async (client, context, ip) => {
    const port = str(context, 'port_id');
    if (port && ip.port_id === port) await neutronUpdate(client, 'floatingips', 'floatingip', ip.id, { port_id: null }, context.signal);
  },
};
