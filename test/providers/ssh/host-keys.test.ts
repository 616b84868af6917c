/** known_hosts lookup and the host key verdicts, without a network. */
import { createHmac, randomBytes } from 'node:crypto';
import { HybridError } from '../../../lib/core/errors';
import { ConnectionSpec } from '../../../lib/providers/ssh/connection-spec';
import { fingerprintOf, lookupKnownHosts, preferredAlgorithms, verifyHostKey } from '../../../lib/providers/ssh/host-keys';

/** A fake ed25519 public key blob: what matters here is its bytes, not that it is a curve point. */
function keyBlob(seed: string): string {
  const type = Buffer.from('ssh-ed25519');
  const body = Buffer.alloc(32, seed);
  const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), body]);
  return blob.toString('base64');
}
const KEY_A = keyBlob('a');
const KEY_B = keyBlob('b');
const fingerprint = (blob: string) => fingerprintOf(Buffer.from(blob, 'base64'));
const spec = { name: 'web', address: '10.0.0.5', port: 2222, user: 'deploy' } as ConnectionSpec;

test('a [address]:port entry matches that port only', () => {
  const text = `[10.0.0.5]:2222 ssh-ed25519 ${KEY_A}\n10.0.0.5 ssh-ed25519 ${KEY_B}\n`;
  expect(lookupKnownHosts(text, '10.0.0.5', 2222).trusted.map((key) => key.fingerprint)).toEqual([fingerprint(KEY_A)]);
});

test('a hashed entry matches the name it hashes', () => {
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64')}`;
  expect(lookupKnownHosts(`${hashed} ssh-ed25519 ${KEY_A}\n`, '10.0.0.5', 2222).trusted).toHaveLength(1);
});

test('wildcards match and a negated pattern excludes', () => {
  const text = `10.0.0.*,!10.0.0.9 ssh-ed25519 ${KEY_A}\n`;
  expect([lookupKnownHosts(text, '10.0.0.7', 22).trusted.length, lookupKnownHosts(text, '10.0.0.9', 22).trusted.length]).toEqual([1, 0]);
});

test('fails if the presented key is marked @revoked', () => {
  const known = lookupKnownHosts(`@revoked * ssh-ed25519 ${KEY_A}\n[10.0.0.5]:2222 ssh-ed25519 ${KEY_A}\n`, '10.0.0.5', 2222);
  const verdict = verifyHostKey(spec, { policy: 'known_hosts', file: 'kh' }, known, { type: 'ssh-ed25519', fingerprint: fingerprint(KEY_A) });
  expect(verdict.accepted === false && verdict.error.message).toContain('is marked @revoked in kh');
});

test('fails if known_hosts lists another key, naming the host, both fingerprints and the file', () => {
  const known = lookupKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${KEY_B}\n`, '10.0.0.5', 2222);
  const verdict = verifyHostKey(spec, { policy: 'known_hosts', file: '/home/me/.ssh/known_hosts' }, known, { type: 'ssh-ed25519', fingerprint: fingerprint(KEY_A) });
  if (verdict.accepted) throw new Error('accepted');
  expect(HybridError.isHybridError(verdict.error) && verdict.error.code).toBe('HostKeyMismatch');
  expect(verdict.error.message).toContain(`host 'web' (deploy@10.0.0.5:2222) does not match: the host presented ${fingerprint(KEY_A)} (ssh-ed25519), but /home/me/.ssh/known_hosts lists ${fingerprint(KEY_B)} (ssh-ed25519) for [10.0.0.5]:2222`);
});

test('trust on first use accepts the first key and then only the recorded one', () => {
  const presented = { type: 'ssh-ed25519', fingerprint: fingerprint(KEY_A) };
  expect(verifyHostKey(spec, { policy: 'trust_on_first_use' }, undefined, presented)).toEqual({ accepted: true, firstUse: true });
  expect(verifyHostKey(spec, { policy: 'trust_on_first_use', recorded: fingerprint(KEY_B) }, undefined, presented).accepted).toBe(false);
});

test('the host key algorithms of known keys are offered first', () => {
  expect(preferredAlgorithms([{ type: 'ssh-rsa', fingerprint: '' }]).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
});
