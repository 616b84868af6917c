/**
 * Servers (Nova). A create sends the identity three ways at once: the name, the metadata
 * (`hybrid_identity`, `hybrid_stack`) and, from microversion 2.52, tags, so a create cut short
 * is found and adopted rather than repeated. It waits for ACTIVE; a server that goes to ERROR is
 * deleted and the create fails with Nova's fault message.
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { IDENTITY_KEY, NEVER_ABORTED, identityMetadata, identityTag, list, poll, required, resourceName, stackTag, str } from './common';
import { imageId } from './image';
import type { Kind } from './kind';
import { neutronList } from './neutron';
import { watcherFor } from './server-watcher';

interface Server {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly metadata?: { [key: string]: string };
  readonly addresses?: { [network: string]: Array<{ addr: string; version: number; 'OS-EXT-IPS:type'?: string }> };
  readonly fault?: { message?: string; code?: number; details?: string };
  readonly tags?: string[];
  readonly [field: string]: any;
}

const TRANSITIONAL = new Set(['BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'REBOOT', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD']);

async function getServer(client: OpenStackClient, id: string, signal: AbortSignal): Promise<Server | undefined> {
  const response = await client.get('compute', `/servers/${encodeURIComponent(id)}`, { allow: [404], signal });
  if (response.status === 404) return undefined;
  const server: Server = response.body.server;
  return server.status === 'DELETED' || server.status === 'SOFT_DELETED' ? undefined : server;
}

async function findAllServers(client: OpenStackClient, context: OperationContext): Promise<Server[]> {
  if (!(await client.supports('compute', '2.26', context.signal))) return [];
  const tagged = await client.list<Server>('compute', '/servers/detail', 'servers', { query: { tags: identityTag(context.identity) }, signal: context.signal });
  return tagged.filter((server) => server.metadata?.[IDENTITY_KEY] === context.identity && server.status !== 'DELETED');
}

async function findServer(client: OpenStackClient, context: OperationContext): Promise<Server | undefined> {
  const [tagged] = await findAllServers(client, context);
  if (tagged) return tagged;
  // Older clouds, or a server created before tags.
  return (await serversNamed(client, resourceName(context), context.signal)).find((server) => server.metadata?.[IDENTITY_KEY] === context.identity && server.status !== 'DELETED');
}

/** Servers with exactly this name (Nova's name filter is a regular expression). */
async function serversNamed(client: OpenStackClient, name: string, signal: AbortSignal): Promise<Server[]> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return client.list<Server>('compute', '/servers/detail', 'servers', { query: { name: `^${escaped}$` }, signal });
}

/** A flavor id by name or id; fifty servers of one flavor look it up once per run. */
function flavorId(client: OpenStackClient, reference: string, context: OperationContext): Promise<string> {
  return client.memo(`flavor:${reference}`, () => findFlavor(client, reference, { ...context, signal: NEVER_ABORTED }));
}

async function findFlavor(client: OpenStackClient, reference: string, context: OperationContext): Promise<string> {
  const byId = await client.get('compute', `/flavors/${encodeURIComponent(reference)}`, { allow: [404], signal: context.signal });
  if (byId.status !== 404) return byId.body.flavor.id;
  const flavors = await client.list('compute', '/flavors/detail', 'flavors', { query: { is_public: 'None' }, signal: context.signal });
  const named = flavors.filter((flavor: any) => flavor.name === reference);
  if (named.length === 1) return named[0].id;
  if (named.length === 0) throw new NonRecoverableError(`no flavor has the name or id '${reference}' (there are ${flavors.map((f: any) => f.name).sort().join(', ')})`);
  throw new NonRecoverableError(`${named.length} flavors are named '${reference}'; use the id`);
}

interface NetworkSpec {
  readonly network_id?: string;
  readonly port_id?: string;
  readonly fixed_ip?: string;
}

function networkSpecs(context: OperationContext): NetworkSpec[] {
  return list<NetworkSpec>(context, 'networks').map((entry, index) => {
    if (!entry || typeof entry !== 'object' || (!entry.network_id && !entry.port_id)) {
      throw new NonRecoverableError(`networks[${index}] must give network_id or port_id, got ${JSON.stringify(entry)}`);
    }
    return entry;
  });
}

async function createServer(client: OpenStackClient, context: OperationContext): Promise<Server> {
  const networks = networkSpecs(context);
  const ports = networks.filter((network) => network.port_id);
  const securityGroups = list<string>(context, 'security_groups');
  if (securityGroups.length && ports.length === networks.length && networks.length > 0) {
    throw new NonRecoverableError('security_groups apply to networks Nova makes ports on; with port_id networks, put the security groups on the ports');
  }
  const keyName = str(context, 'key_name');
  const userData = str(context, 'user_data');
  const zone = str(context, 'availability_zone');
  const group = str(context, 'server_group');
  const tagsSupported = await client.supports('compute', '2.52', context.signal);
  const body: any = {
    server: {
      name: resourceName(context),
      imageRef: await imageId(client, required(context, 'image'), context),
      flavorRef: await flavorId(client, required(context, 'flavor'), context),
      networks: networks.length
        ? networks.map((network) => (network.port_id ? { port: network.port_id } : { uuid: network.network_id, ...(network.fixed_ip ? { fixed_ip: network.fixed_ip } : {}) }))
        : 'none',
      metadata: identityMetadata(context),
      ...(tagsSupported ? { tags: [identityTag(context.identity), stackTag(context.stack)] } : {}),
      ...(keyName ? { key_name: keyName } : {}),
      ...(userData ? { user_data: Buffer.from(userData, 'utf8').toString('base64') } : {}),
      ...(zone ? { availability_zone: zone } : {}),
      ...(securityGroups.length ? { security_groups: securityGroups.map((name) => ({ name })) } : {}),
    },
    ...(group ? { 'os:scheduler_hints': { group } } : {}),
  };
  const response = await client.post('compute', '/servers', body, { signal: context.signal });
  // The answer may hold adminPass: nothing of it is kept but the id.
  const id: string = response.body.server.id;
  context.log('info', `server ${context.identity} (${id}) is building`);
  return waitActive(client, context, id);
}

/**
 * Resolves with the server once `done` says so: through the stack's shared watcher (one list per
 * tick for every server of the stack) when Nova filters by tag, else by polling this server.
 */
async function waitFor(client: OpenStackClient, context: OperationContext, id: string, done: (server: Server | undefined) => boolean, onUpdate: (server: Server | undefined) => void): Promise<Server | undefined> {
  const get = (serverId: string) => getServer(client, serverId, context.signal);
  if (await client.supports('compute', '2.26', context.signal)) {
    // The watcher outlives this operation: its own requests must not use this operation's signal.
    const shared = (serverId: string) => getServer(client, serverId, NEVER_ABORTED);
    return (await watcherFor(client, stackTag(context.stack), shared).watch(id, done as any, context.signal, onUpdate as any)) as Server | undefined;
  }
  return (await poll(async () => {
    const current = await get(id);
    onUpdate(current);
    return done(current) ? { server: current } : undefined;
  }, { signal: context.signal, intervalMs: 1000, maxIntervalMs: 3000 })).server;
}

/** Waits for ACTIVE. ERROR deletes the server and fails with Nova's fault. */
async function waitActive(client: OpenStackClient, context: OperationContext, id: string): Promise<Server> {
  let server = await waitFor(client, context, id, (current) => !current || !TRANSITIONAL.has(current.status), (current) => {
    if (current && TRANSITIONAL.has(current.status)) {
      context.progress(`server ${context.identity} ${current.status}${current['OS-EXT-STS:task_state'] ? ` (${current['OS-EXT-STS:task_state']})` : ''}`);
    }
  });
  if (!server) throw new NonRecoverableError(`server ${id} disappeared while it was building`);
  if (server.status === 'ACTIVE') return server;
  // Lists leave the fault out: ask for the server itself to read Nova's message.
  if (!server.fault) server = (await getServer(client, id, context.signal)) ?? server;
  const fault = server.fault?.message ? `${server.fault.message}${server.fault.code ? ` (fault code ${server.fault.code})` : ''}` : 'Nova gave no fault message';
  if (server.status === 'ERROR') {
    context.log('warn', `server ${context.identity} (${id}) went to ERROR: ${fault}; deleting it so that the next deploy starts clean`);
    await deleteServer(client, context, id).catch((error) => context.log('warn', `could not delete the failed server ${id}: ${(error as Error).message}`));
    throw new NonRecoverableError(`server ${context.identity} went to ERROR: ${fault}`);
  }
  throw new NonRecoverableError(`server ${context.identity} is ${server.status}, not ACTIVE${server.fault?.message ? `: ${fault}` : ''}`);
}

async function deleteServer(client: OpenStackClient, context: OperationContext, id: string): Promise<void> {
  await client.delete('compute', `/servers/${id}`, { allow: [404], signal: context.signal });
  await waitFor(client, context, id, (current) => current === undefined, (current) => {
    if (current) context.progress(`server ${context.identity} ${current.status} (${current['OS-EXT-STS:task_state'] ?? 'deleting'})`);
  });
}

function addresses(server: Server) {
  const all = Object.entries(server.addresses ?? {}).flatMap(([network, entries]) => entries.map((entry) => ({ network, ...entry })));
  const fixed = all.filter((entry) => entry['OS-EXT-IPS:type'] !== 'floating');
  const floating = all.filter((entry) => entry['OS-EXT-IPS:type'] === 'floating');
  return {
    ip: fixed.find((entry) => entry.version === 4)?.addr ?? fixed[0]?.addr ?? '',
    ipv4_addresses: fixed.filter((entry) => entry.version === 4).map((entry) => entry.addr),
    ipv6_addresses: fixed.filter((entry) => entry.version === 6).map((entry) => entry.addr),
    public_ip: floating[0]?.addr ?? '',
    networks: Object.fromEntries(Object.entries(server.addresses ?? {}).map(([network, entries]) => [network, entries.map((entry) => entry.addr)])),
  };
}

export const serverKind: Kind<Server> = {
  name: 'server',
  label: 'server',
  runtimeNames: ['id', 'name', 'status', 'ip', 'ipv4_addresses', 'ipv6_addresses', 'public_ip', 'networks', 'port_ids', 'host'],
  // A server create is slow and can fail half way: always look for one an earlier run started.
  alwaysSearchBeforeCreate: true,
  get: (client, id, context) => getServer(client, id, context.signal),
  findByName: (client, name, context) => serversNamed(client, name, context.signal),
  findByIdentity: findServer,
  findAllByIdentity: findAllServers,
  /** A found server still building is waited for; one in ERROR is deleted so that a fresh create follows. */
  settle: async (client, context, found) => {
    if (found.status === 'ACTIVE') return found;
    if (TRANSITIONAL.has(found.status)) {
      try {
        return await waitActive(client, context, found.id);
      } catch (error) {
        if (error instanceof NonRecoverableError) return undefined;
        throw error;
      }
    }
    if (found.status === 'ERROR') {
      context.log('warn', `server ${context.identity} (${found.id}) from an earlier attempt is in ERROR (${found.fault?.message ?? 'no fault message'}); deleting it`);
      await deleteServer(client, context, found.id);
      return undefined;
    }
    return found;
  },
  create: createServer,
  runtime: async (server, context, client) => {
    const networks = networkSpecs(context);
    let portIds = networks.map((network) => network.port_id).filter((id): id is string => typeof id === 'string');
    if (portIds.length < networks.length) {
      // Nova made some ports itself: ask Neutron which (floating IPs and K8s need them).
      portIds = (await neutronList(client, 'ports', { device_id: server.id }, context.signal)).map((port) => port.id);
    }
    return { id: server.id, name: server.name, status: server.status, ...addresses(server), port_ids: portIds, host: server['OS-EXT-SRV-ATTR:host'] ?? '' };
  },
  drift: (server, context) => {
    const drift: string[] = [];
    if (server.status !== 'ACTIVE') drift.push(`status is ${server.status}, expected ACTIVE${server.fault?.message ? ` (${server.fault.message})` : ''}`);
    if (server.name !== resourceName(context)) drift.push(`name is ${JSON.stringify(server.name)}, expected ${JSON.stringify(resourceName(context))}`);
    const wanted = identityMetadata(context);
    for (const [key, value] of Object.entries(wanted)) if (server.metadata?.[key] !== value) drift.push(`metadata ${key} is ${JSON.stringify(server.metadata?.[key] ?? null)}, expected ${JSON.stringify(value)}`);
    return drift;
  },
  update: async (client, context, server) => {
    if (server.name !== resourceName(context)) await client.put('compute', `/servers/${server.id}`, { server: { name: resourceName(context) } }, { signal: context.signal });
    await client.put('compute', `/servers/${server.id}/metadata`, { metadata: identityMetadata(context) }, { signal: context.signal });
    return (await getServer(client, server.id, context.signal)) ?? server;
  },
  remove: (client, context, server) => deleteServer(client, context, server.id),
};

