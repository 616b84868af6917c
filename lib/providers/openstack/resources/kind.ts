/**
 * The lifecycle every OpenStack resource kind shares, written once: create (or adopt what a
 * crashed create left behind), read for drift and adoption, update, delete-and-wait, and
 * lookups of existing resources (`use_external_resource` with `resource_id` = name or id).
 * A kind supplies only the API calls that differ.
 */
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { bool, looksLikeId, str, toOperationError } from './common';

export interface Kind<R extends { id: string }> {
  /** `network`, `server`, ...: the implementation names are `hybrid.openstack.<name>.<operation>`. */
  readonly name: string;
  /** How messages name it: `network`, `security group`. */
  readonly label: string;
  /** Runtime properties a create records and a delete removes. */
  readonly runtimeNames: ReadonlyArray<string>;
  get(client: OpenStackClient, id: string, context: OperationContext): Promise<R | undefined>;
  /** Resources with this exact name (lookups of existing resources). */
  findByName(client: OpenStackClient, name: string, context: OperationContext): Promise<R[]>;
  /** The resource carrying this instance's identity, if any. @default the first of findAllByIdentity */
  findByIdentity?(client: OpenStackClient, context: OperationContext): Promise<R | undefined>;
  /**
   * Every resource carrying this instance's identity. More than one means a create the client
   * gave up on finished after its retry made another: a delete removes them all.
   */
  findAllByIdentity?(client: OpenStackClient, context: OperationContext): Promise<R[]>;
  create(client: OpenStackClient, context: OperationContext): Promise<R>;
  /**
   * A resource found by identity before or instead of a create: the settled resource to adopt,
   * or undefined when it is unusable (the kind cleaned it up, so a fresh create follows).
   */
  settle?(client: OpenStackClient, context: OperationContext, found: R): Promise<R | undefined>;
  /** Search by identity before every create, not only on retries (for slow, failure-prone creates). */
  readonly alwaysSearchBeforeCreate?: boolean;
  runtime(resource: R, context: OperationContext, client: OpenStackClient): Promise<{ [name: string]: any }> | { [name: string]: any };
  /** How the resource differs from the properties; empty when in sync. */
  drift(resource: R, context: OperationContext, client: OpenStackClient): Promise<string[]> | string[];
  update?(client: OpenStackClient, context: OperationContext, resource: R): Promise<R>;
  /**
   * An existing resource this stack uses (`use_external_resource`) but may connect: a reserved
   * floating IP is associated with the stack's port. Returns the resource as connected.
   */
  useExternal?(client: OpenStackClient, context: OperationContext, found: R): Promise<R>;
  /** Undoes useExternal when the stack lets go of the existing resource (which stays). */
  releaseExternal?(client: OpenStackClient, context: OperationContext, found: R): Promise<void>;
  /** Deletes and waits until it is gone. */
  remove(client: OpenStackClient, context: OperationContext, resource: R): Promise<void>;
  /** The resource a lookup with an empty resource_id means, when the kind has such a default. */
  lookupDefault?(client: OpenStackClient, context: OperationContext): Promise<R>;
  /** Runtime property names that hold secrets. */
  readonly secretRuntimeNames?: ReadonlyArray<string>;
}

export type ClientFor = (context: OperationContext) => Promise<OpenStackClient>;

function isExternal(context: OperationContext): boolean {
  return bool(context, 'use_external_resource', false);
}

/** An existing resource by id or exact name; fails when none or several match. */
export async function lookup<R extends { id: string }>(kind: Kind<R>, client: OpenStackClient, reference: string, context: OperationContext): Promise<R> {
  if (reference === '') {
    if (kind.lookupDefault) return kind.lookupDefault(client, context);
    throw new NonRecoverableError(`use_external_resource is set, so resource_id must name the ${kind.label} (name or id)`);
  }
  if (looksLikeId(reference)) {
    const byId = await kind.get(client, reference, context);
    if (byId) return byId;
  }
  const named = await kind.findByName(client, reference, context);
  if (named.length === 1) return named[0];
  if (named.length === 0) throw new NonRecoverableError(`no ${kind.label} has the name or id '${reference}'`);
  throw new NonRecoverableError(`${named.length} ${kind.label}s are named '${reference}' (ids ${named.map((r) => r.id).join(', ')}); use the id`);
}

async function findByIdentity<R extends { id: string }>(kind: Kind<R>, client: OpenStackClient, context: OperationContext): Promise<R | undefined> {
  if (kind.findByIdentity) return kind.findByIdentity(client, context);
  return (await kind.findAllByIdentity!(client, context))[0];
}

async function existing<R extends { id: string }>(kind: Kind<R>, client: OpenStackClient, context: OperationContext): Promise<R | undefined> {
  const id = context.instance.runtimeProperties.id;
  if (typeof id === 'string' && id !== '') return kind.get(client, id, context);
  return findByIdentity(kind, client, context);
}

function result<R extends { id: string }>(kind: Kind<R>, runtimeProperties: { [name: string]: any }): OperationResult {
  const secrets = (kind.secretRuntimeNames ?? []).filter((name) => runtimeProperties[name] !== undefined);
  return { runtimeProperties, ...(secrets.length ? { secretRuntimeProperties: secrets } : {}) };
}

/** The four operations of a kind, by implementation name. */
export function operationsOf<R extends { id: string }>(kind: Kind<R>, clientFor: ClientFor): { [implementation: string]: (context: OperationContext) => Promise<any> } {
  const label = (context: OperationContext) => `${kind.label} ${context.identity}`;
  const guarded = <T>(doing: (context: OperationContext) => string, work: (context: OperationContext, client: OpenStackClient) => Promise<T>) =>
    async (context: OperationContext): Promise<T> => {
      try {
        return await work(context, await clientFor(context));
      } catch (error) {
        if (context.signal.aborted) throw error;
        throw toOperationError(error, doing(context));
      }
    };

  const create = guarded((context) => `creating ${label(context)}`, async (context, client): Promise<OperationResult> => {
    if (isExternal(context)) {
      let found = await lookup(kind, client, str(context, 'resource_id'), context);
      if (kind.useExternal) found = await kind.useExternal(client, context, found);
      context.log('info', `using the existing ${kind.label} ${found.id}`);
      return result(kind, { ...(await kind.runtime(found, context, client)), external: true });
    }
    let resource: R | undefined;
    if (kind.alwaysSearchBeforeCreate || context.operation.retryNumber > 0) {
      // An earlier attempt may have created it before failing: adopt it rather than make a second.
      resource = await findByIdentity(kind, client, context);
      if (resource && kind.settle) resource = await kind.settle(client, context, resource);
      if (resource) context.log('info', `adopted ${label(context)} (${resource.id}) that an earlier attempt created`);
    }
    if (!resource) {
      resource = await kind.create(client, context);
      context.log('info', `created ${label(context)} (${resource.id})`);
    }
    return result(kind, await kind.runtime(resource, context, client));
  });

  const read = guarded((context) => `reading ${label(context)}`, async (context, client): Promise<ReadResult> => {
    if (isExternal(context)) {
      try {
        const found = await lookup(kind, client, str(context, 'resource_id'), context);
        return { exists: true, drift: [], ...result(kind, { ...(await kind.runtime(found, context, client)), external: true }) };
      } catch (error) {
        if (error instanceof NonRecoverableError) return { exists: false };
        throw error;
      }
    }
    let resource = await existing(kind, client, context);
    if (resource && kind.settle && !context.instance.runtimeProperties.id) resource = await kind.settle(client, context, resource);
    if (!resource) return { exists: false };
    return { exists: true, drift: await kind.drift(resource, context, client), ...result(kind, await kind.runtime(resource, context, client)) };
  });

  const update = guarded((context) => `updating ${label(context)}`, async (context, client): Promise<OperationResult> => {
    if (isExternal(context)) return create(context) as Promise<OperationResult>;
    const resource = await existing(kind, client, context);
    if (!resource) throw new NonRecoverableError(`${label(context)} no longer exists; run \`hybrid deploy\` again to create it`);
    const updated = kind.update ? await kind.update(client, context, resource) : resource;
    return result(kind, await kind.runtime(updated, context, client));
  });

  const remove = guarded((context) => `deleting ${label(context)}`, async (context, client): Promise<OperationResult> => {
    if (isExternal(context)) {
      if (kind.releaseExternal) {
        const id = context.instance.runtimeProperties.id;
        const found = id ? await kind.get(client, id, context) : undefined;
        if (found) await kind.releaseExternal(client, context, found);
      }
      context.log('info', `left the existing ${kind.label} ${str(context, 'resource_id')} in place (not managed by this stack)`);
      return { removeRuntimeProperties: [...kind.runtimeNames, 'external'] };
    }
    const resource = await existing(kind, client, context);
    if (resource) {
      await kind.remove(client, context, resource);
      context.log('info', `deleted ${label(context)} (${resource.id})`);
    } else {
      context.log('info', `${label(context)} is already gone`);
    }
    for (const duplicate of (await kind.findAllByIdentity?.(client, context)) ?? []) {
      if (duplicate.id === resource?.id) continue;
      context.log('warn', `deleting ${duplicate.id}, a second ${kind.label} with the identity ${context.identity} (a create that outlived its request timeout)`);
      await kind.remove(client, context, duplicate);
    }
    return { removeRuntimeProperties: [...kind.runtimeNames] };
  });

  const prefix = `hybrid.openstack.${kind.name}`;
  return {
    [`${prefix}.create`]: create,
    [`${prefix}.read`]: read,
    ...(kind.update ? { [`${prefix}.update`]: update } : {}),
    [`${prefix}.delete`]: remove,
  };
}
