/**
 * How to reach a host, read from a `hybrid.nodes.ssh.Host`'s resolved properties (and, for
 * trust-on-first-use, the fingerprint its create recorded). Hand-written blueprints reach this
 * code unchecked, so every field is validated here with a message naming the property.
 */
import { createHash } from 'node:crypto';
import { InstanceView, NonRecoverableError, OperationContext } from '../../engine/provider';
import { commandLinePath } from './quoting';

export const HOST_TYPE = 'hybrid.nodes.ssh.Host';
/** The runtime property holding the host key fingerprint seen when the Host was created. */
export const FINGERPRINT_PROPERTY = 'host_key_fingerprint';

export type AuthSpec =
  | { readonly method: 'key_file'; readonly path: string; readonly passphrase?: string }
  | { readonly method: 'private_key'; readonly privateKey: string; readonly passphrase?: string }
  | { readonly method: 'agent'; readonly socket?: string };

export type HostKeySpec =
  | { readonly policy: 'known_hosts'; readonly file: string }
  | { readonly policy: 'fingerprint'; readonly fingerprint: string }
  /** `recorded` is the fingerprint seen on first use, once there was one. */
  | { readonly policy: 'trust_on_first_use'; readonly recorded?: string };

export interface ConnectionSpec {
  /** The Host's node name (or `bastion of <name>`), for messages. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly auth: AuthSpec;
  readonly hostKey: HostKeySpec;
  readonly bastion?: ConnectionSpec;
  /** `undefined`: NOPASSWD sudo. */
  readonly sudoPassword?: string;
  readonly concurrency: number;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly tempDirectory: string;
}

/** `web1 (deploy@10.0.0.5:22)`: how every message names a host. */
export function describeHost(spec: Pick<ConnectionSpec, 'name' | 'address' | 'port' | 'user'>): string {
  return `host '${spec.name}' (${spec.user}@${spec.address}:${spec.port})`;
}

/** A key that is equal for equal specs: connections are pooled by it (secrets only hashed). */
export function connectionKey(spec: ConnectionSpec): string {
  const { name: _name, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** The Host an operation runs on: the instance itself, or the nearest Host it is contained in. */
export function findHost(instance: InstanceView): InstanceView {
  for (let current: InstanceView | undefined = instance; current; current = current.host) {
    if (current.typeHierarchy.includes(HOST_TYPE) || current.type === HOST_TYPE) return current;
  }
  throw new NonRecoverableError(
    `${instance.id} (${instance.type}) is not contained in a ${HOST_TYPE}: give it a cloudify.relationships.contained_in relationship to the Host it runs on`,
  );
}

/** The connection to the host the operation's instance runs on. */
export function connectionFor(context: OperationContext): ConnectionSpec {
  const host = findHost(context.instance);
  return parseConnection(host.node, host.properties, host.runtimeProperties[FINGERPRINT_PROPERTY]);
}

function fail(name: string, message: string): NonRecoverableError {
  return new NonRecoverableError(`host '${name}': ${message}`);
}

function isDict(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(name: string, properties: { [key: string]: unknown }, key: string, label = key): string {
  const value = properties[key];
  if (typeof value !== 'string' || value.trim() === '') throw fail(name, `property '${label}' must be a non-empty string, got ${shape(value)}`);
  return value;
}

function optionalString(name: string, properties: { [key: string]: unknown }, key: string, label = key): string | undefined {
  const value = properties[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw fail(name, `property '${label}' must be a string, got ${shape(value)}`);
  return value;
}

function integer(name: string, properties: { [key: string]: unknown }, key: string, fallback: number, min: number, max: number): number {
  const value = properties[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail(name, `property '${key}' must be a whole number from ${min} to ${max}, got ${shape(value)}`);
  }
  return value;
}

/** Describes a value without ever showing a string's content (it may be a secret). */
function shape(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : `a string of ${value.length} characters`;
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value === 'object' ? 'a dict' : JSON.stringify(value);
}

function parseAuth(name: string, value: unknown): AuthSpec {
  const auth = value === undefined || value === null ? { method: 'agent' } : value;
  if (!isDict(auth)) throw fail(name, `property 'auth' must be a dict with a 'method', got ${shape(auth)}`);
  const passphrase = optionalString(name, auth, 'passphrase', 'auth.passphrase');
  switch (auth.method) {
    case 'key_file':
      return { method: 'key_file', path: requiredString(name, auth, 'path', 'auth.path'), ...(passphrase ? { passphrase } : {}) };
    case 'private_key':
      return { method: 'private_key', privateKey: requiredString(name, auth, 'private_key', 'auth.private_key'), ...(passphrase ? { passphrase } : {}) };
    case 'agent': {
      const socket = optionalString(name, auth, 'socket', 'auth.socket');
      return { method: 'agent', ...(socket ? { socket } : {}) };
    }
    default:
      throw fail(name, `property 'auth.method' must be key_file, private_key or agent, got ${JSON.stringify(auth.method)}`);
  }
}

function parseHostKey(name: string, value: unknown, recorded: unknown): HostKeySpec {
  const hostKey = value === undefined || value === null ? { known_hosts: '~/.ssh/known_hosts' } : value;
  if (!isDict(hostKey)) throw fail(name, `property 'host_key' must be a dict, got ${shape(hostKey)}`);
  const chosen = ['known_hosts', 'fingerprint', 'trust_on_first_use'].filter((key) => hostKey[key] !== undefined && hostKey[key] !== null && hostKey[key] !== false);
  if (chosen.length !== 1) {
    throw fail(name, `property 'host_key' must hold exactly one of known_hosts, fingerprint or trust_on_first_use, got ${chosen.length === 0 ? 'none' : chosen.join(' and ')}`);
  }
  if (chosen[0] === 'known_hosts') return { policy: 'known_hosts', file: requiredString(name, hostKey, 'known_hosts', 'host_key.known_hosts') };
  if (chosen[0] === 'fingerprint') {
    const fingerprint = requiredString(name, hostKey, 'fingerprint', 'host_key.fingerprint');
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
      throw fail(name, `property 'host_key.fingerprint' must be a SHA256 fingerprint as \`ssh-keygen -lf\` prints it (SHA256: and 43 base64 characters), got ${JSON.stringify(fingerprint)}`);
    }
    return { policy: 'fingerprint', fingerprint };
  }
  if (hostKey.trust_on_first_use !== true) throw fail(name, `property 'host_key.trust_on_first_use' must be true, got ${shape(hostKey.trust_on_first_use)}`);
  return { policy: 'trust_on_first_use', ...(typeof recorded === 'string' && recorded !== '' ? { recorded } : {}) };
}

/** Reads and checks a Host's connection properties. `recordedFingerprint` serves trust-on-first-use. */
export function parseConnection(name: string, properties: { readonly [key: string]: unknown }, recordedFingerprint?: unknown, depth = 0): ConnectionSpec {
  if (depth > 5) throw fail(name, 'bastion hosts are nested more than 5 deep');
  const address = requiredString(name, properties, 'address');
  if (/[\s/@]/.test(address)) throw fail(name, `property 'address' must be a host name or IP address, got ${JSON.stringify(address)}`);
  const user = requiredString(name, properties, 'user');
  const bastionValue = properties.bastion;
  let bastion: ConnectionSpec | undefined;
  if (isDict(bastionValue) && Object.keys(bastionValue).length > 0) {
    bastion = parseConnection(`bastion of ${name}`, bastionValue, undefined, depth + 1);
  } else if (bastionValue !== undefined && bastionValue !== null && !isDict(bastionValue)) {
    throw fail(name, `property 'bastion' must be a dict of connection properties, got ${shape(bastionValue)}`);
  }
  const sudo = properties.sudo ?? {};
  if (!isDict(sudo)) throw fail(name, `property 'sudo' must be a dict ({} or { password }), got ${shape(sudo)}`);
  const sudoPassword = optionalString(name, sudo, 'password', 'sudo.password');
  const tempDirectory = optionalString(name, properties, 'temp_directory') ?? '/tmp';
  if (!tempDirectory.startsWith('/')) throw fail(name, `property 'temp_directory' must be an absolute path, got ${JSON.stringify(tempDirectory)}`);
  commandLinePath(tempDirectory, `host '${name}': property 'temp_directory'`);
  return {
    name,
    address,
    port: integer(name, properties, 'port', 22, 1, 65535),
    user,
    auth: parseAuth(name, properties.auth),
    hostKey: parseHostKey(name, properties.host_key, recordedFingerprint),
    ...(bastion ? { bastion } : {}),
    ...(sudoPassword !== undefined ? { sudoPassword } : {}),
    concurrency: integer(name, properties, 'concurrency', 4, 1, 64),
    connectTimeoutMs: integer(name, properties, 'connect_timeout', 20, 1, 3600) * 1000,
    keepaliveIntervalMs: integer(name, properties, 'keepalive_interval', 15, 0, 3600) * 1000,
    tempDirectory: tempDirectory.replace(/\/+$/, '') || '/',
  };
}
