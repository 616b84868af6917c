/**
 * Security groups and their rules (Neutron). The rules are part of the group: a create makes
 * the group, then the rules in one bulk request; an update or an adoption reconciles them (adds
 * what is missing, removes what the properties no longer list).
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { bool, list, resourceName } from './common';
import type { Kind } from './kind';
import { NeutronResource, compareFields, neutronCreate, neutronDelete, neutronFindAllByIdentity, neutronGet, neutronList, neutronTag, neutronUpdate } from './neutron';

export interface RuleSpec {
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id: string | null;
}

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'ipv6-icmp', 'any', ''];

/** Normalizes one rule of the `rules` property, rejecting what Neutron would reject. */
export function ruleSpec(rule: any, index: number): RuleSpec {
  if (!rule || typeof rule !== 'object') throw new NonRecoverableError(`rules[${index}] must be a dict, got ${JSON.stringify(rule)}`);
  const direction = rule.direction ?? 'ingress';
  if (direction !== 'ingress' && direction !== 'egress') throw new NonRecoverableError(`rules[${index}].direction must be ingress or egress, got ${JSON.stringify(direction)}`);
  const protocol = rule.protocol === undefined || rule.protocol === null || rule.protocol === 'any' || rule.protocol === '' ? null : String(rule.protocol);
  if (protocol !== null && !PROTOCOLS.includes(protocol) && !/^\d+$/.test(protocol)) {
    throw new NonRecoverableError(`rules[${index}].protocol must be tcp, udp, icmp, any or a protocol number, got ${JSON.stringify(rule.protocol)}`);
  }
  const prefix = rule.remote_ip_prefix ?? null;
  const ethertype = rule.ethertype ?? (typeof prefix === 'string' && prefix.includes(':') ? 'IPv6' : 'IPv4');
  const number = (value: any) => (value === undefined || value === null || value === '' ? null : Number(value));
  const min = number(rule.port_range_min ?? rule.port);
  const max = number(rule.port_range_max ?? rule.port ?? rule.port_range_min);
  return {
    direction,
    ethertype,
    protocol,
    port_range_min: protocol === null ? null : min,
    port_range_max: protocol === null ? null : max,
    remote_ip_prefix: prefix,
    remote_group_id: rule.remote_group_id || null,
  };
}

function ruleKey(rule: RuleSpec | any): string {
  return JSON.stringify([rule.direction, rule.ethertype, rule.protocol ?? null, rule.port_range_min ?? null, rule.port_range_max ?? null, rule.remote_ip_prefix ?? null, rule.remote_group_id ?? null]);
}

/** The rules the properties ask for; Neutron's default egress rules count unless `remove_default_egress`. */
function wantedRules(context: OperationContext): RuleSpec[] {
  const rules = list(context, 'rules').map(ruleSpec);
  if (!bool(context, 'remove_default_egress', false)) {
    for (const ethertype of ['IPv4', 'IPv6'] as const) {
      rules.push({ direction: 'egress', ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null });
    }
  }
  const unique = new Map(rules.map((rule) => [ruleKey(rule), rule]));
  return [...unique.values()];
}

/** A rule whose remote group is the group itself: `remote_group_id: 'self'` in properties. */
function resolveSelf(rule: RuleSpec, groupId: string): RuleSpec {
  return rule.remote_group_id === 'self' ? { ...rule, remote_group_id: groupId } : rule;
}

async function reconcileRules(client: OpenStackClient, context: OperationContext, group: NeutronResource): Promise<NeutronResource> {
  const wanted = wantedRules(context).map((rule) => resolveSelf(rule, group.id));
  const actual: any[] = group.security_group_rules ?? (await neutronList(client, 'security-group-rules', { security_group_id: group.id }, context.signal));
  const wantedKeys = new Set(wanted.map(ruleKey));
  const actualKeys = new Set(actual.map(ruleKey));
  const missing = wanted.filter((rule) => !actualKeys.has(ruleKey(rule)));
  const extra = actual.filter((rule) => !wantedKeys.has(ruleKey(rule)));
  for (const rule of extra) {
    await client.delete('network', `/v2.0/security-group-rules/${rule.id}`, { allow: [404], signal: context.signal });
  }
  let added: any[] = [];
  if (missing.length) {
    added = (await client.post('network', '/v2.0/security-group-rules', { security_group_rules: missing.map((rule) => ({ ...rule, security_group_id: group.id })) }, { signal: context.signal })).body.security_group_rules;
  }
  if (!missing.length && !extra.length) return group;
  // The group's rules now: what was there and stays, and what the bulk create answered with.
  return { ...group, security_group_rules: [...actual.filter((rule) => wantedKeys.has(ruleKey(rule))), ...added] };
}

export const securityGroupKind: Kind<NeutronResource> = {
  name: 'security_group',
  label: 'security group',
  runtimeNames: ['id', 'name', 'rule_count'],
  get: (client, id, context) => neutronGet(client, 'security-groups', 'security_group', id, context.signal),
  findByName: (client, name, context) => neutronList(client, 'security-groups', { name }, context.signal),
  findAllByIdentity: (client, context) => neutronFindAllByIdentity(client, 'security-groups', context),
  create: async (client, context) => {
    const group = await neutronCreate(client, 'security-groups', 'security_group', { name: resourceName(context) }, context);
    return reconcileRules(client, context, group);
  },
  settle: async (client, context, found) => reconcileRules(client, context, await neutronTag(client, 'security-groups', found, context)),
  runtime: (group) => ({ id: group.id, name: group.name, rule_count: (group.security_group_rules ?? []).length }),
  drift: (group, context) => {
    const drift = compareFields(group, { name: resourceName(context) });
    const wanted = new Set(wantedRules(context).map((rule) => ruleKey(resolveSelf(rule, group.id))));
    const actual = new Set<string>((group.security_group_rules ?? []).map(ruleKey));
    const missing = [...wanted].filter((key) => !actual.has(key)).length;
    const extra = [...actual].filter((key) => !wanted.has(key)).length;
    if (missing) drift.push(`${missing} rule(s) missing`);
    if (extra) drift.push(`${extra} rule(s) not in the properties`);
    return drift;
  },
  update: async (client, context, group) => {
    const renamed = group.name === resourceName(context) ? group : { ...(await neutronUpdate(client, 'security-groups', 'security_group', group.id, { name: resourceName(context) }, context.signal)) };
    return reconcileRules(client, context, renamed);
  },
  remove: (client, context, group) => neutronDelete(client, 'security-groups', 'security_group', group.id, context),
};
