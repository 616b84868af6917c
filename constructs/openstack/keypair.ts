import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref } from '../../lib/core/refs';
import { checkString } from '../../lib/core/validate';
import { OpenStackConnectionProps, applyConnection, asLookup } from './connection';
import { fail } from './validate';

const KEY_PAIR_BRAND = Symbol.for('hybrid.OpenStackKeyPair');

/** Props of an OpenStackKeyPair. */
export interface OpenStackKeyPairProps extends OpenStackConnectionProps {
  /**
   * An OpenSSH public key line (`ssh-ed25519 AAAA... comment`) to upload.
   * @default - an Ed25519 key pair is generated at deploy time; its private key is a secret attribute
   */
  readonly publicKey?: string | Ref;
  /** The key pair name in Nova. @default - derived from the stack and the node (unique per stack) */
  readonly name?: string;
}

/** Props of a lookup of an existing key pair. */
export interface OpenStackKeyPairLookupProps extends OpenStackConnectionProps {
  /** The key pair name in Nova. */
  readonly name: string;
}

/**
 * A Nova key pair for logging in to servers. Without a public key, one is generated at deploy
 * time: `privateKey` is then known to other nodes (for SSH), encrypted in state and masked in
 * every log, plan and error.
 */
export class OpenStackKeyPair extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.openstack.KeyPair';

  /** True for any OpenStackKeyPair, even one made by another copy of this library. */
  public static isOpenStackKeyPair(x: any): x is OpenStackKeyPair {
    return typeof x === 'object' && x !== null && x[KEY_PAIR_BRAND] === true;
  }

  /** An existing key pair, by name; destroy leaves it in place. */
  public static fromName(scope: Construct, id: string, props: OpenStackKeyPairLookupProps): OpenStackKeyPair {
    const keyPair = new OpenStackKeyPair(scope, id, { cloud: props.cloud, region: props.region });
    asLookup(keyPair, props.name);
    return keyPair;
  }

  constructor(scope: Construct, id: string, props: OpenStackKeyPairProps = {}) {
    super(scope, id, { type: OpenStackKeyPair.NODE_TYPE });
    Object.defineProperty(this, KEY_PAIR_BRAND, { value: true });
    applyConnection(this, props);
    checkString(this, 'publicKey', props.publicKey, { optional: true, nonEmpty: true });
    if (typeof props.publicKey === 'string' && !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/.test(props.publicKey.trim())) {
      throw fail(this, `publicKey must be an OpenSSH public key line such as 'ssh-ed25519 AAAA... comment', got ${JSON.stringify(props.publicKey.slice(0, 40))}`);
    }
    if (props.name !== undefined && !/^[\w -]{1,255}$/.test(props.name)) {
      throw fail(this, `name must be 1 to 255 letters, digits, spaces, '_' and '-' (Nova's rule), got ${JSON.stringify(props.name)}`);
    }
    if (props.publicKey !== undefined) this.setProperty('public_key', props.publicKey);
    if (props.name !== undefined) this.setProperty('name', props.name);
  }

  /** The key pair name servers are given (`key_name`). */
  public get keyName(): Ref {
    return this.attr('name');
  }

  /** The OpenSSH public key line. */
  public get publicKey(): Ref {
    return this.attr('public_key');
  }

  /** The generated private key (OpenSSH format); a secret. Empty when the key pair was given a public key. */
  public get privateKey(): Ref {
    return this.attr('private_key');
  }

  /** Nova's fingerprint of the public key. */
  public get fingerprint(): Ref {
    return this.attr('fingerprint');
  }
}
