import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode, HybridError } from '../core/errors';

/**
 * Keeps secrets out of state in plain text. Values that only need comparing (a secret property,
 * to see whether it changed) are stored as an HMAC; values that must be read back (a cluster's
 * kubeconfig) are encrypted with AES-256-GCM. The key comes from HYBRID_STATE_KEY, or from a key
 * file under ~/.hybrid/keys created on first use (mode 0600), never from the state directory.
 */
export class SecretBox {
  /** Loads or creates the key for a state lineage. */
  public static forLineage(lineage: string, environment: NodeJS.ProcessEnv = process.env): SecretBox {
    const passphrase = environment.HYBRID_STATE_KEY;
    if (passphrase) return new SecretBox(createHash('sha256').update(passphrase).digest());
    const directory = path.join(environment.HYBRID_HOME ?? path.join(os.homedir(), '.hybrid'), 'keys');
    const keyFile = path.join(directory, `${lineage}.key`);
    if (!fs.existsSync(keyFile)) {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
      try {
        fs.writeFileSync(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new SecretBox(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64'), keyFile);
  }

  private constructor(private readonly key: Buffer, private readonly keyFile?: string) {}

  /** A stable fingerprint of a value, to detect changes without storing the value. */
  public fingerprint(value: unknown): { $secret: string } {
    return { $secret: createHmac('sha256', this.key).update(JSON.stringify(value)).digest('hex').slice(0, 32) };
  }

  public encrypt(value: unknown): { $encrypted: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { $encrypted: ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':') };
  }

  public decrypt(sealed: { $encrypted: string }): unknown {
    const [version, iv, tag, body] = sealed.$encrypted.split(':');
    try {
      if (version !== 'v1') throw new Error(`unknown format ${version}`);
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8'));
    } catch (error) {
      throw new HybridError(
        ErrorCode.StateCorrupt,
        `a secret in state cannot be decrypted with the key ${this.keyFile ? `in ${this.keyFile}` : 'from HYBRID_STATE_KEY'}; use the key this state was written with`,
        { cause: error },
      );
    }
  }
}

export function isEncrypted(value: unknown): value is { $encrypted: string } {
  return typeof value === 'object' && value !== null && typeof (value as any).$encrypted === 'string' && Object.keys(value).length === 1;
}

export function isFingerprint(value: unknown): value is { $secret: string } {
  return typeof value === 'object' && value !== null && typeof (value as any).$secret === 'string' && Object.keys(value).length === 1;
}
