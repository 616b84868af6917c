/**
 * Server groups (Nova): the scheduler places the servers created with the group's hint by its
 * policy: `anti-affinity` (each on another compute host, or the create fails), `affinity` (all on
 * one), and their `soft-` forms (as far as the hosts allow). A group has no metadata or tags, so
 * its name carries the identity; it is never changed in place (Nova cannot), only replaced.
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { int, resourceName, str } from './common';
import type { Kind } from './kind';

export const SERVER_GROUP_POLICIES = ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'];

interface ServerGroup {
  readonly id: string;
  readonly name: string;
  readonly policy: string;
  readonly members: string[];
  /** `max_server_per_host` of an anti-affinity group (microversion 2.64), when set. */
  readonly maxServersPerHost?: number;
}

/** Nova answers with `policy` and `rules` from 2.64, with a `policies` list before. */
function toGroup(body: any): ServerGroup {
  const maxServers = body.rules?.max_server_per_host;
  return {
    id: body.id,
    name: body.name,
    policy: body.policy ?? body.policies?.[0] ?? '',
    members: Array.isArray(body.members) ? body.members : [],
    ...(maxServers !== undefined ? { maxServersPerHost: Number(maxServers) } : {}),
  };
}

/** The property, or undefined for 0 (unset). */
function maxServersPerHost(context: OperationContext): number | undefined {
  const value = int(context, 'max_servers_per_host', 0);
  if (value !== undefined && value < 0) throw new NonRecoverableError(`max_servers_per_host must be 1 or more (0 for Nova's default), got ${value}`);
  return value || undefined;
}

function policyOf(context: OperationContext): string {
  const policy = str(context, 'policy', 'soft-anti-affinity');
  if (!SERVER_GROUP_POLICIES.includes(policy)) throw new NonRecoverableError(`policy must be one of ${SERVER_GROUP_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  return policy;
}

async function getGroup(client: OpenStackClient, id: string, signal: AbortSignal): Promise<ServerGroup | undefined> {
  const response = await client.get('compute', `/os-server-groups/${encodeURIComponent(id)}`, { allow: [404], signal });
  return response.status === 404 ? undefined : toGroup(response.body.server_group);
}

async function groupsNamed(client: OpenStackClient, name: string, signal: AbortSignal): Promise<ServerGroup[]> {
  const groups = await client.list('compute', '/os-server-groups', 'server_groups', { signal });
  return groups.filter((group: any) => group.name === name).map(toGroup);
}

export const serverGroupKind: Kind<ServerGroup> = {
  name: 'server_group',
  label: 'server group',
  runtimeNames: ['id', 'name', 'policy'],
  // Nothing but the name marks a group as this instance's: look before every create, so that a
  // create whose answer was lost (a crash, a timeout) is adopted instead of made twice.
  alwaysSearchBeforeCreate: true,
  get: (client, id, context) => getGroup(client, id, context.signal),
  findByName: (client, name, context) => groupsNamed(client, name, context.signal),
  findAllByIdentity: (client, context) => groupsNamed(client, resourceName(context), context.signal),
  create: async (client, context) => {
    const policy = policyOf(context);
    const maxServers = maxServersPerHost(context);
    const modern = await client.supports('compute', '2.64', context.signal);
    if (policy.startsWith('soft-') && !(await client.supports('compute', '2.15', context.signal))) {
      throw new NonRecoverableError(`the cloud's compute API is older than microversion 2.15, which brought the ${policy} policy; use ${policy.slice(5)}`);
    }
    if (maxServers !== undefined && !(modern && policy === 'anti-affinity')) {
      throw new NonRecoverableError(`max_servers_per_host needs the anti-affinity policy${modern ? '' : ' and compute microversion 2.64, which this cloud lacks'}`);
    }
    const body = modern
      ? { name: resourceName(context), policy, ...(maxServers !== undefined ? { rules: { max_server_per_host: maxServers } } : {}) }
      : { name: resourceName(context), policies: [policy] };
    const response = await client.post('compute', '/os-server-groups', { server_group: body }, { signal: context.signal });
    return toGroup(response.body.server_group);
  },
  runtime: (group) => ({ id: group.id, name: group.name, policy: group.policy }),
  drift: (group, context) => {
    const drift: string[] = [];
    if (group.policy !== policyOf(context)) drift.push(`policy is ${group.policy}, not ${policyOf(context)}`);
    const maxServers = maxServersPerHost(context);
    if (maxServers !== undefined && group.maxServersPerHost !== undefined && group.maxServersPerHost !== maxServers) {
      drift.push(`max_servers_per_host is ${group.maxServersPerHost}, not ${maxServers}`);
    }
    return drift;
  },
  remove: async (client, context, group) => {
    // Nova deletes a group with members; the servers stay where they are.
    await client.delete('compute', `/os-server-groups/${encodeURIComponent(group.id)}`, { allow: [404], signal: context.signal });
  },
};
