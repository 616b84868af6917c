/**
 * The part every Neutron resource shares. Neutron (Zed) cannot take tags in a create request (no
 * `tag-creation` extension), so the identity travels in the `description`, which a create sets
 * atomically and which lists can filter on exactly: `hybrid:<stack>.<instance>`. Tags
 * (`hybrid:<identity>`, `hybrid-stack:<stack>`) follow in one request, for people and for
 * listing a whole stack.
 */
import type { OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { identityTag, logRetries, stackTag, waitGone } from './common';

export interface NeutronResource {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly tags?: ReadonlyArray<string>;
  readonly [field: string]: any;
}

/** The description that marks a Neutron resource as this instance's. */
export function identityDescription(identity: string): string {
  return `hybrid:${identity}`;
}

export async function neutronGet<R = NeutronResource>(client: OpenStackClient, collection: string, singular: string, id: string, signal: AbortSignal): Promise<R | undefined> {
  const response = await client.get('network', `/v2.0/${collection}/${encodeURIComponent(id)}`, { allow: [404], signal });
  return response.status === 404 ? undefined : response.body[singular];
}

export function neutronList<R = NeutronResource>(client: OpenStackClient, collection: string, query: { [name: string]: string | string[] | undefined }, signal: AbortSignal): Promise<R[]> {
  // The path says `security-groups`, the body `security_groups`.
  return client.list<R>('network', `/v2.0/${collection}`, collection.replace(/-/g, '_'), { query, signal });
}

export async function neutronFindAllByIdentity<R extends NeutronResource>(client: OpenStackClient, collection: string, context: OperationContext): Promise<R[]> {
  const found = await neutronList<R>(client, collection, { description: identityDescription(context.identity) }, context.signal);
  return found.filter((resource) => resource.description === identityDescription(context.identity)).sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
}

/** POSTs the resource with the identity in its description, then tags it. */
export async function neutronCreate<R extends NeutronResource>(client: OpenStackClient, collection: string, singular: string, body: { [field: string]: any }, context: OperationContext): Promise<R> {
  const response = await client.post('network', `/v2.0/${collection}`, { [singular]: { ...body, description: identityDescription(context.identity) } }, { signal: context.signal });
  const created: R = response.body[singular];
  return neutronTag(client, collection, created, context);
}

/** Adds the identity and stack tags when they are missing (a create cut short leaves them out). */
export async function neutronTag<R extends NeutronResource>(client: OpenStackClient, collection: string, resource: R, context: OperationContext): Promise<R> {
  const wanted = [identityTag(context.identity), stackTag(context.stack)];
  const tags = resource.tags ?? [];
  if (wanted.every((tag) => tags.includes(tag))) return resource;
  const response = await client.put('network', `/v2.0/${collection}/${resource.id}/tags`, { tags: [...new Set([...tags, ...wanted])] }, { signal: context.signal });
  return { ...resource, tags: response.body?.tags ?? wanted };
}

export async function neutronUpdate<R = NeutronResource>(client: OpenStackClient, collection: string, singular: string, id: string, body: { [field: string]: any }, signal: AbortSignal): Promise<R> {
  const response = await client.put('network', `/v2.0/${collection}/${id}`, { [singular]: body }, { signal });
  return response.body[singular];
}

/**
 * Deletes and waits until a GET answers 404. A 409 (still in use: a port on a network, an
 * interface on a router) is retried by the client, then by the engine, with backoff.
 */
export async function neutronDelete(client: OpenStackClient, collection: string, singular: string, id: string, context: OperationContext): Promise<void> {
  await client.delete('network', `/v2.0/${collection}/${id}`, {
    allow: [404],
    signal: context.signal,
    onRetry: logRetries(context, `the delete of ${singular} ${id}`),
  });
  await waitGone(() => neutronGet(client, collection, singular, id, context.signal), { signal: context.signal, intervalMs: 200 });
}

/** Neutron resources in `drift` form: `name is "a", expected "b"`. */
export function compareFields(actual: { [field: string]: any }, expected: { [field: string]: any }): string[] {
  const drift: string[] = [];
  for (const [field, value] of Object.entries(expected)) {
    if (value === undefined) continue;
    const left = JSON.stringify(normalize(actual[field]));
    const right = JSON.stringify(normalize(value));
    if (left !== right) drift.push(`${field} is ${left}, expected ${right}`);
  }
  return drift;
}

function normalize(value: any): any {
  if (Array.isArray(value)) return value.map(normalize).map((item) => JSON.stringify(item)).sort().map((item) => JSON.parse(item));
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, normalize(value[key])]));
  return value ?? null;
}
