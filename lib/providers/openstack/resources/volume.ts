/**
 * Volumes (Cinder) and their attachments to servers (through Nova, which tells Cinder). The
 * identity is in the volume's metadata, which Cinder's list can filter on. An attachment is its
 * own node: detached before its server or volume is deleted.
 */
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { IDENTITY_KEY, identityMetadata, int, logRetries, poll, required, resourceName, str, waitGone } from './common';
import { imageId } from './image';
import type { Kind } from './kind';

interface Volume {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly size: number;
  readonly metadata?: { [key: string]: string };
  readonly attachments?: Array<{ server_id: string; device: string; attachment_id?: string }>;
  readonly [field: string]: any;
}

async function getVolume(client: OpenStackClient, id: string, signal: AbortSignal): Promise<Volume | undefined> {
  const response = await client.get('block-storage', `/volumes/${encodeURIComponent(id)}`, { allow: [404], signal });
  return response.status === 404 ? undefined : response.body.volume;
}

/**
 * Volumes carrying this instance's identity. Cinder accepts list filters only as its
 * resource_filters.json allows (a cloud without that file refuses even `name`: 400 "Invalid
 * filters"), so the project's volumes are listed and the metadata decides here.
 */
async function volumesOf(client: OpenStackClient, context: OperationContext): Promise<Volume[]> {
  const found = await client.list<Volume>('block-storage', '/volumes/detail', 'volumes', { signal: context.signal });
  return found.filter((volume) => volume.metadata?.[IDENTITY_KEY] === context.identity && volume.status !== 'deleting');
}

/** Why a volume went to error, from Cinder's user messages (3.3+), when Cinder recorded one. */
async function errorMessage(client: OpenStackClient, id: string, signal: AbortSignal): Promise<string> {
  if (!(await client.supports('block-storage', '3.3', signal))) return 'Cinder gave no message';
  const messages = await client.get('block-storage', '/messages', { query: { resource_uuid: id }, signal });
  const list: any[] = messages.body?.messages ?? [];
  return list.map((message) => message.user_message).filter(Boolean).join('; ') || 'Cinder gave no message';
}

async function waitStatus(client: OpenStackClient, context: OperationContext, id: string, wanted: string, settling: ReadonlyArray<string>): Promise<Volume> {
  const volume = await poll(async () => {
    const current = await getVolume(client, id, context.signal);
    if (!current) throw new NonRecoverableError(`volume ${id} disappeared while waiting for ${wanted}`);
    if (settling.includes(current.status)) {
      context.progress(`volume ${context.identity} ${current.status}`);
      return undefined;
    }
    return current;
  }, { signal: context.signal, intervalMs: 500, maxIntervalMs: 2000 });
  if (volume.status !== wanted) {
    throw new NonRecoverableError(`volume ${id} is ${volume.status}, expected ${wanted}: ${await errorMessage(client, id, context.signal)}`);
  }
  return volume;
}

export const volumeKind: Kind<Volume> = {
  name: 'volume',
  label: 'volume',
  runtimeNames: ['id', 'name', 'size', 'status'],
  get: (client, id, context) => getVolume(client, id, context.signal),
  findByName: async (client, name, context) => (await client.list<Volume>('block-storage', '/volumes/detail', 'volumes', { signal: context.signal })).filter((volume) => volume.name === name),
  findAllByIdentity: volumesOf,
  settle: async (client, context, found) => {
    if (found.status === 'creating') return waitStatus(client, context, found.id, 'available', ['creating', 'downloading']);
    if (found.status === 'error') {
      await client.delete('block-storage', `/volumes/${found.id}`, { allow: [404], signal: context.signal });
      await waitGone(() => getVolume(client, found.id, context.signal), { signal: context.signal });
      return undefined;
    }
    return found;
  },
  create: async (client, context) => {
    const size = int(context, 'size');
    if (size === undefined || size < 1) throw new NonRecoverableError(`property 'size' must be a whole number of GiB >= 1, got ${JSON.stringify(context.instance.properties.size)}`);
    const type = str(context, 'volume_type');
    const zone = str(context, 'availability_zone');
    const image = str(context, 'image');
    const description = str(context, 'description');
    const response = await client.post('block-storage', '/volumes', {
      volume: {
        size,
        name: resourceName(context),
        metadata: identityMetadata(context),
        ...(description ? { description } : {}),
        ...(type ? { volume_type: type } : {}),
        ...(zone ? { availability_zone: zone } : {}),
        ...(image ? { imageRef: await imageId(client, image, context) } : {}),
      },
    }, { signal: context.signal });
    return waitStatus(client, context, response.body.volume.id, 'available', ['creating', 'downloading']);
  },
  runtime: (volume) => ({ id: volume.id, name: volume.name, size: volume.size, status: volume.status }),
  drift: (volume, context) => {
    const drift: string[] = [];
    if (volume.name !== resourceName(context)) drift.push(`name is ${JSON.stringify(volume.name)}, expected ${JSON.stringify(resourceName(context))}`);
    const size = int(context, 'size');
    if (size !== undefined && volume.size !== size) drift.push(`size is ${volume.size} GiB, expected ${size} GiB`);
    if (['error', 'error_deleting', 'error_extending'].includes(volume.status)) drift.push(`status is ${volume.status}`);
    return drift;
  },
  update: async (client, context, volume) => {
    const size = int(context, 'size')!;
    if (size < volume.size) throw new NonRecoverableError(`volume ${volume.id} is ${volume.size} GiB; Cinder cannot shrink it to ${size} GiB (replace it instead)`);
    await client.put('block-storage', `/volumes/${volume.id}`, { volume: { name: resourceName(context), ...(str(context, 'description') ? { description: str(context, 'description') } : {}) } }, { signal: context.signal });
    await client.put('block-storage', `/volumes/${volume.id}/metadata`, { metadata: identityMetadata(context) }, { signal: context.signal });
    if (size > volume.size) {
      await client.post('block-storage', `/volumes/${volume.id}/action`, { 'os-extend': { new_size: size } }, { signal: context.signal, retryConflict: true });
      const settled = ['extending'];
      return waitStatus(client, context, volume.id, volume.status === 'in-use' ? 'in-use' : 'available', settled);
    }
    return (await getVolume(client, volume.id, context.signal)) ?? volume;
  },
  remove: async (client, context, volume) => {
    await client.delete('block-storage', `/volumes/${volume.id}`, {
      allow: [404],
      signal: context.signal,
      onRetry: logRetries(context, `the delete of volume ${volume.id}`),
    });
    await waitGone(() => getVolume(client, volume.id, context.signal), { signal: context.signal, intervalMs: 500, maxIntervalMs: 2000 });
  },
};

interface Attachment {
  /** The volume id: Nova names an attachment by its volume. */
  readonly id: string;
  readonly server_id: string;
  readonly volume_id: string;
  readonly device: string;
}

async function getAttachment(client: OpenStackClient, serverId: string, volumeId: string, signal: AbortSignal): Promise<Attachment | undefined> {
  const response = await client.get('compute', `/servers/${serverId}/os-volume_attachments/${volumeId}`, { allow: [404], signal });
  if (response.status === 404) return undefined;
  const attachment = response.body.volumeAttachment;
  return { id: attachment.volumeId, server_id: attachment.serverId, volume_id: attachment.volumeId, device: attachment.device ?? '' };
}

export const volumeAttachmentKind: Kind<Attachment> = {
  name: 'volume_attachment',
  label: 'volume attachment',
  runtimeNames: ['id', 'server_id', 'volume_id', 'device'],
  get: (client, _id, context) => getAttachment(client, required(context, 'server_id'), required(context, 'volume_id'), context.signal),
  findByName: async () => {
    throw new NonRecoverableError('volume attachments cannot be looked up by name; give server_id and volume_id');
  },
  findByIdentity: (client, context) => getAttachment(client, required(context, 'server_id'), required(context, 'volume_id'), context.signal),
  // The attach may still be under way when a create is cut short: wait for it to finish.
  settle: async (client, context, found) => {
    await waitStatus(client, context, found.volume_id, 'in-use', ['attaching', 'reserved', 'available']);
    return found;
  },
  create: async (client, context) => {
    const serverId = required(context, 'server_id');
    const volumeId = required(context, 'volume_id');
    const device = str(context, 'device');
    const response = await client.post('compute', `/servers/${serverId}/os-volume_attachments`, { volumeAttachment: { volumeId, ...(device ? { device } : {}) } }, {
      signal: context.signal,
      // "volume is attaching/detaching" and "instance is in task_state ..." settle by themselves.
      retryConflict: true,
    });
    await waitStatus(client, context, volumeId, 'in-use', ['attaching', 'reserved', 'available']);
    const attachment = response.body.volumeAttachment;
    return { id: volumeId, server_id: serverId, volume_id: volumeId, device: attachment.device ?? '' };
  },
  runtime: (attachment) => ({ id: attachment.id, server_id: attachment.server_id, volume_id: attachment.volume_id, device: attachment.device }),
  drift: () => [],
  remove: async (client, context, attachment) => {
    await client.delete('compute', `/servers/${attachment.server_id}/os-volume_attachments/${attachment.volume_id}`, {
      allow: [404],
      signal: context.signal,
      onRetry: logRetries(context, 'the detach'),
    });
    await poll(async () => {
      const volume = await getVolume(client, attachment.volume_id, context.signal);
      return !volume || !(volume.attachments ?? []).some((entry) => entry.server_id === attachment.server_id) && volume.status !== 'detaching' ? true : undefined;
    }, { signal: context.signal, intervalMs: 500, maxIntervalMs: 2000 });
  },
};
