/**
 * Host key verification: a host is trusted only when the key it presents is the one the Host's
 * props name — a line in a known_hosts file (OpenSSH's format: patterns, `[host]:port`, hashed
 * `|1|salt|hash` names, `@revoked`), a pinned SHA256 fingerprint, or, when the user asked for
 * trust-on-first-use, the key seen when the Host was first created (recorded in state).
 */
import { createHash, createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ErrorCode, HybridError } from '../../core/errors';
import { NonRecoverableError } from '../../engine/provider';
import { ConnectionSpec, HostKeySpec, describeHost } from './connection-spec';

/** A public key as a known_hosts line or an SSH server holds it. */
export interface PublicKey {
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  readonly type: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

/** What a known_hosts file says about one host. */
export interface KnownHostsEntry {
  readonly trusted: ReadonlyArray<PublicKey>;
  readonly revoked: ReadonlyArray<PublicKey>;
}

/** The verdict on the key a host presented. */
export type Verdict = { readonly accepted: true; readonly firstUse?: boolean } | { readonly accepted: false; readonly error: Error };

export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob (a length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

export function publicKeyOf(blob: Buffer): PublicKey {
  return { type: keyTypeOf(blob), fingerprint: fingerprintOf(blob) };
}

/** `~/x` against the deploying user's home. */
export function expandHome(file: string): string {
  return file === '~' ? os.homedir() : file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

/** How known_hosts names a host: the bare address on port 22, `[address]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** OpenSSH's pattern syntax: `*` and `?` wildcards, case-insensitive. */
function matchesPattern(pattern: string, name: string): boolean {
  const regex = new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('') + '$', 'i');
  return regex.test(name);
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. */
function matchesHashed(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  return createHmac('sha1', salt).update(name).digest('base64') === parts[3];
}

/** True when the comma-separated host field names `name` (a negated match excludes it). */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return matchesHashed(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (matchesPattern(pattern.slice(1), name)) return false;
    } else if (matchesPattern(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The keys a known_hosts text lists for `address:port`. Certificate authorities are not supported and skipped. */
export function lookupKnownHosts(text: string, address: string, port: number): KnownHostsEntry {
  const name = knownHostsName(address, port);
  const trusted: PublicKey[] = [];
  const revoked: PublicKey[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (marker === '@cert-authority' || fields.length < 3) continue;
    if (!hostFieldMatches(fields[0], name)) continue;
    const blob = Buffer.from(fields[2], 'base64');
    if (blob.length === 0) continue;
    const key = { type: fields[1], fingerprint: fingerprintOf(blob) };
    (marker === '@revoked' ? revoked : trusted).push(key);
  }
  return { trusted, revoked };
}

/** Reads a known_hosts file; a missing file lists nothing. */
export async function readKnownHosts(file: string, address: string, port: number): Promise<KnownHostsEntry> {
  let text: string;
  try {
    text = await fs.readFile(expandHome(file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { trusted: [], revoked: [] };
    throw new NonRecoverableError(`cannot read the known_hosts file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return lookupKnownHosts(text, address, port);
}

/** Server host key algorithms for each key type a known_hosts file may list. */
const ALGORITHMS_OF_TYPE: { [type: string]: string[] } = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const ALL_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The host key algorithms to offer, those of known keys first, so that a host with several keys
 * presents the one we can check (OpenSSH orders them the same way).
 */
export function preferredAlgorithms(known: ReadonlyArray<PublicKey>): string[] {
  const first = known.flatMap((key) => ALGORITHMS_OF_TYPE[key.type] ?? []);
  return [...new Set([...first, ...ALL_ALGORITHMS])];
}

function mismatch(spec: ConnectionSpec, presented: PublicKey, expected: string): Error {
  return new HybridError(
    ErrorCode.HostKeyMismatch,
    `the host key of ${describeHost(spec)} does not match: the host presented ${presented.fingerprint} (${presented.type}), but ${expected}. ` +
      'The connection was refused: if the host was reinstalled, verify its new key out of band and update the Host\'s hostKey; otherwise someone may be intercepting the connection',
  );
}

/** Decides whether the presented key is the host's; never trusts an unknown key unless asked to. */
export function verifyHostKey(spec: ConnectionSpec, policy: HostKeySpec, known: KnownHostsEntry | undefined, presented: PublicKey): Verdict {
  switch (policy.policy) {
    case 'fingerprint':
      return presented.fingerprint === policy.fingerprint ? { accepted: true } : { accepted: false, error: mismatch(spec, presented, `${policy.fingerprint} is pinned in the Host's props`) };
    case 'trust_on_first_use':
      if (policy.recorded === undefined) return { accepted: true, firstUse: true };
      return presented.fingerprint === policy.recorded
        ? { accepted: true }
        : { accepted: false, error: mismatch(spec, presented, `${policy.recorded} was recorded when hybrid first connected (trust on first use)`) };
    case 'known_hosts': {
      const entry = known ?? { trusted: [], revoked: [] };
      const name = knownHostsName(spec.address, spec.port);
      if (entry.revoked.some((key) => key.fingerprint === presented.fingerprint)) {
        return { accepted: false, error: new HybridError(ErrorCode.HostKeyMismatch, `the host key ${presented.fingerprint} (${presented.type}) of ${describeHost(spec)} is marked @revoked in ${policy.file}; the connection was refused`) };
      }
      if (entry.trusted.some((key) => key.fingerprint === presented.fingerprint)) return { accepted: true };
      if (entry.trusted.length === 0) {
        return {
          accepted: false,
          error: new HybridError(
            ErrorCode.HostKeyMismatch,
            `${describeHost(spec)} is not in the known_hosts file ${policy.file} (looked for ${name}); it presented ${presented.fingerprint} (${presented.type}). ` +
              "Verify that key out of band, then add it (ssh-keyscan), pin it with HostKey.fingerprint('…'), or ask for HostKey.trustOnFirstUse()",
          ),
        };
      }
      const listed = entry.trusted.map((key) => `${key.fingerprint} (${key.type})`).join(', ');
      return { accepted: false, error: mismatch(spec, presented, `${policy.file} lists ${listed} for ${name}`) };
    }
  }
}
