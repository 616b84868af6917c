/**
 * Images (Glance) are looked up, never created: a server's `image` is a name or an id, and the
 * `Image` node type exists only as a lookup (`use_external_resource`) whose attributes other
 * nodes read.
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { NEVER_ABORTED, looksLikeId } from './common';
import type { Kind } from './kind';

interface Image {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly [field: string]: any;
}

async function getImage(client: OpenStackClient, id: string, signal: AbortSignal): Promise<Image | undefined> {
  const response = await client.get('image', `/v2/images/${encodeURIComponent(id)}`, { allow: [404], signal });
  return response.status === 404 ? undefined : response.body;
}

async function imagesNamed(client: OpenStackClient, name: string, signal: AbortSignal): Promise<Image[]> {
  return client.list<Image>('image', '/v2/images', 'images', { query: { name }, signal });
}

/**
 * The id of an active image given by name or id; with several of one name, the newest active one.
 * Looked up once per run: fifty servers of one image share the answer.
 */
export function imageId(client: OpenStackClient, reference: string, context: OperationContext): Promise<string> {
  return client.memo(`image:${reference}`, () => findImage(client, reference, { ...context, signal: NEVER_ABORTED }));
}

async function findImage(client: OpenStackClient, reference: string, context: OperationContext): Promise<string> {
  if (looksLikeId(reference)) {
    const image = await getImage(client, reference, context.signal);
    if (image) return image.id;
  }
  const named = (await imagesNamed(client, reference, context.signal)).filter((image) => image.status === 'active');
  if (named.length === 0) throw new NonRecoverableError(`no active image has the name or id '${reference}'`);
  named.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  if (named.length > 1) context.log('info', `${named.length} images are named '${reference}': using the newest, ${named[0].id}`);
  return named[0].id;
}

export const imageKind: Kind<Image> = {
  name: 'image',
  label: 'image',
  runtimeNames: ['id', 'name', 'status', 'min_disk', 'min_ram'],
  get: (client, id, context) => getImage(client, id, context.signal),
  findByName: (client, name, context) => imagesNamed(client, name, context.signal),
  findByIdentity: async () => undefined,
  create: async () => {
    throw new NonRecoverableError('images are looked up, not created: set use_external_resource: true and resource_id to the image name or id');
  },
  runtime: (image) => ({ id: image.id, name: image.name, status: image.status, min_disk: image.min_disk ?? 0, min_ram: image.min_ram ?? 0 }),
  drift: (image) => (image.status === 'active' ? [] : [`status is ${image.status}, expected active`]),
  remove: async () => undefined,
};
