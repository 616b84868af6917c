/**
 * Key pairs (Nova). With a public key in the properties, it is uploaded as is. Without one, an
 * Ed25519 key is generated here (Nova stopped generating keys at microversion 2.92) and the
 * private key becomes a secret runtime property: encrypted in state, masked in every message.
 * A key pair has no metadata, so its name carries the identity.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { NonRecoverableError, OperationContext } from '../../../engine/provider';
import type { OpenStackClient } from '../client/client';
import { str } from './common';
import type { Kind } from './kind';

interface KeyPair {
  readonly id: string;
  readonly name: string;
  readonly public_key: string;
  readonly fingerprint: string;
  /** Set only right after this provider generated it. */
  readonly private_key?: string;
}

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/** A new Ed25519 key: the OpenSSH public line and the unencrypted OpenSSH private key. */
function generateEd25519(comment: string): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicRaw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(publicRaw)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(publicRaw), sshString(Buffer.concat([seed, publicRaw])), sshString(comment)]);
  const padding: number[] = [];
  for (let byte = 1; (secret.length + padding.length) % 8 !== 0; byte++) padding.push(byte);
  secret = Buffer.concat([secret, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(publicBlob), sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!.join('\n');
  return {
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines}\n-----END OPENSSH PRIVATE KEY-----\n`,
  };
}

/** `ssh-ed25519 AAAA... comment` → `ssh-ed25519 AAAA...`: the comment is not part of the key. */
function keyPart(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Nova allows only letters, digits, spaces, '_' and '-' in key pair names. An identity with other
 * characters (the '.' between stack and instance) has them replaced, plus a short hash of the
 * identity so that two identities never map to one name.
 */
function keyPairName(context: OperationContext): string {
  const given = str(context, 'name');
  if (given) {
    if (!/^[\w -]{1,255}$/.test(given)) throw new NonRecoverableError(`key pair name must be letters, digits, spaces, '_' and '-', got ${JSON.stringify(given)}`);
    return given;
  }
  const safe = context.identity.replace(/[^\w -]/g, '-');
  return safe === context.identity ? safe : `${safe.slice(0, 240)}-${createHash('sha256').update(context.identity).digest('hex').slice(0, 8)}`;
}

async function getKeyPair(client: OpenStackClient, name: string, signal: AbortSignal): Promise<KeyPair | undefined> {
  const response = await client.get('compute', `/os-keypairs/${encodeURIComponent(name)}`, { allow: [404], signal });
  if (response.status === 404) return undefined;
  const keypair = response.body.keypair;
  return { id: keypair.name, name: keypair.name, public_key: keypair.public_key, fingerprint: keypair.fingerprint };
}

export const keyPairKind: Kind<KeyPair> = {
  name: 'keypair',
  label: 'key pair',
  runtimeNames: ['id', 'name', 'public_key', 'fingerprint', 'private_key'],
  secretRuntimeNames: ['private_key'],
  alwaysSearchBeforeCreate: true,
  get: (client, id, context) => getKeyPair(client, id, context.signal),
  findByName: async (client, name, context) => {
    const found = await getKeyPair(client, name, context.signal);
    return found ? [found] : [];
  },
  findByIdentity: (client, context) => getKeyPair(client, keyPairName(context), context.signal),
  /**
   * A key pair found under this instance's name is usable only when its public key is the one
   * asked for, or (for a generated key) when state still holds its private key. Otherwise it is
   * the leftover of a create cut short, and it is replaced.
   */
  settle: async (client, context, found) => {
    const wanted = str(context, 'public_key');
    const usable = wanted ? keyPart(wanted) === keyPart(found.public_key) : typeof context.instance.runtimeProperties.private_key === 'string' && keyPart(String(context.instance.runtimeProperties.public_key ?? '')) === keyPart(found.public_key);
    if (usable) return { ...found, ...(wanted ? {} : { private_key: context.instance.runtimeProperties.private_key }) };
    context.log('info', `replacing key pair ${found.name}: it was left by an interrupted create whose private key was never recorded`);
    await client.delete('compute', `/os-keypairs/${encodeURIComponent(found.name)}`, { allow: [404], signal: context.signal });
    return undefined;
  },
  create: async (client, context) => {
    const name = keyPairName(context);
    const given = str(context, 'public_key');
    const generated = given ? undefined : generateEd25519(name);
    if (generated) context.registerSecret(generated.privateKey);
    const type = (await client.supports('compute', '2.2', context.signal)) ? { type: 'ssh' } : {};
    const response = await client.post('compute', '/os-keypairs', { keypair: { name, public_key: given || generated!.publicKey, ...type } }, { signal: context.signal });
    const keypair = response.body.keypair;
    return { id: keypair.name, name: keypair.name, public_key: keypair.public_key, fingerprint: keypair.fingerprint, ...(generated ? { private_key: generated.privateKey } : {}) };
  },
  runtime: (keypair, context) => {
    const privateKey = keypair.private_key ?? context.instance.runtimeProperties.private_key;
    return {
      id: keypair.name,
      name: keypair.name,
      public_key: keypair.public_key,
      fingerprint: keypair.fingerprint,
      ...(typeof privateKey === 'string' ? { private_key: privateKey } : {}),
    };
  },
  drift: (keypair, context) => {
    const wanted = str(context, 'public_key') || String(context.instance.runtimeProperties.public_key ?? '');
    return wanted && keyPart(wanted) !== keyPart(keypair.public_key) ? [`public key differs (fingerprint ${keypair.fingerprint})`] : [];
  },
  remove: async (client, context, keypair) => {
    await client.delete('compute', `/os-keypairs/${encodeURIComponent(keypair.name)}`, { allow: [404], signal: context.signal });
  },
};
