import { Construct } from 'constructs';
import { invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { K8sEnvFromSource, K8sEnvVarSource, K8sVolume } from './api.generated';
import { K8sNamespacedOptions, K8sObject } from './object';
import { checkWhole } from '../../lib/core/validate';

const K8S_CONFIG_MAP_BRAND = Symbol.for('hybrid.K8sConfigMap');
const K8S_SECRET_BRAND = Symbol.for('hybrid.K8sSecret');
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

function checkKey(node: K8sObject, what: string, key: string): void {
  if (!DATA_KEY.test(key) || key.length > 253) throw invalidProps(node, `${what} key ${JSON.stringify(key)} must be letters, digits, '-', '_' and '.'`);
}

/** Props of a K8sConfigMap. */
export interface K8sConfigMapProps extends K8sNamespacedOptions {
  /** Text values by key. @default - none */
  readonly data?: { [key: string]: string | Ref };
  /** Binary values by key, base64-encoded. @default - none */
  readonly binaryData?: { [key: string]: string | Ref };
}

/** A ConfigMap: configuration that pods read as environment variables or files. */
export class K8sConfigMap extends K8sObject {
  /** True for any K8sConfigMap, even one made by another copy of this library. */
  public static isK8sConfigMap(x: any): x is K8sConfigMap {
    return typeof x === 'object' && x !== null && x[K8S_CONFIG_MAP_BRAND] === true;
  }

  private readonly data: { [key: string]: string | Ref } = {};
  private readonly binaryData: { [key: string]: string | Ref } = {};

  constructor(scope: Construct, id: string, props: K8sConfigMapProps = {}) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'ConfigMap' } });
    Object.defineProperty(this, K8S_CONFIG_MAP_BRAND, { value: true });
    for (const [key, value] of Object.entries(props.data ?? {})) this.addData(key, value);
    for (const [key, value] of Object.entries(props.binaryData ?? {})) {
      checkKey(this, 'binaryData', key);
      if (!Ref.isRef(value) && (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))) throw invalidProps(this, `binaryData.${key} must be base64, got ${describeValue(value)}`);
      this.binaryData[key] = value;
    }
  }

  /** Adds (or replaces) one text value. */
  public addData(key: string, value: string | Ref): void {
    checkKey(this, 'data', key);
    if (!Ref.isRef(value) && typeof value !== 'string') throw invalidProps(this, `data.${key} must be a string, got ${describeValue(value)}`);
    this.data[key] = value;
  }

  /** An environment variable source that reads `key` from this ConfigMap. */
  public envValue(key: string): K8sEnvVarSource {
    return { configMapKeyRef: { name: this.objectName, key } };
  }

  /** Every key of this ConfigMap as environment variables. */
  public envFrom(prefix?: string): K8sEnvFromSource {
    return { configMapRef: { name: this.objectName }, ...(prefix ? { prefix } : {}) };
  }

  /** A pod volume holding one file per key. */
  public volume(volumeName?: string): K8sVolume {
    return { name: volumeName ?? this.objectName, configMap: { name: this.objectName } };
  }

  protected override renderBody(): { [key: string]: any } {
    return {
      ...(Object.keys(this.data).length > 0 ? { data: { ...this.data } } : {}),
      ...(Object.keys(this.binaryData).length > 0 ? { binaryData: { ...this.binaryData } } : {}),
    };
  }
}

/** Props of a K8sSecret. */
export interface K8sSecretProps extends K8sNamespacedOptions {
  /**
   * Values by key, each a hybrid Secret (`Secret.fromName('db-password')`) or another deploy-time
   * value. Literal strings are refused: they would be written into the blueprint in plain text.
   * @default - none
   */
  readonly data?: { [key: string]: Ref };
  /**
   * Keys whose values hybrid generates at random on the first deploy (letters and digits) and
   * keeps afterwards. The values live only in the cluster.
   * @default - none
   */
  readonly generate?: string[];
  /** Length of generated values. @default 32 */
  readonly generateLength?: number;
  /** The Secret's type. @default 'Opaque' */
  readonly type?: string;
}

/**
 * A Secret whose values come from hybrid Secrets or are generated in the cluster, so they never
 * appear in plain text in the blueprint, in state (which keeps a keyed hash) or in logs, and no
 * last-applied annotation copies them (hybrid uses server-side apply).
 */
export class K8sSecret extends K8sObject {
  /** True for any K8sSecret, even one made by another copy of this library. */
  public static isK8sSecret(x: any): x is K8sSecret {
    return typeof x === 'object' && x !== null && x[K8S_SECRET_BRAND] === true;
  }

  private readonly data: { [key: string]: Ref } = {};
  private readonly secretType?: string;

  constructor(scope: Construct, id: string, props: K8sSecretProps = {}) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'Secret' } });
    Object.defineProperty(this, K8S_SECRET_BRAND, { value: true });
    for (const [key, value] of Object.entries(props.data ?? {})) this.addData(key, value);
    checkWhole(this, 'generateLength', props.generateLength, 8, 256);
    const length = props.generateLength ?? 32;
    if (props.generate !== undefined && !Array.isArray(props.generate)) throw invalidProps(this, `generate must be a list of keys, got ${describeValue(props.generate)}`);
    const generate: { [key: string]: number } = {};
    for (const key of props.generate ?? []) {
      checkKey(this, 'generate', key);
      if (key in this.data) throw invalidProps(this, `key ${JSON.stringify(key)} is both in data and in generate; give it one source`);
      generate[key] = length;
    }
    if (Object.keys(generate).length > 0) this.setProperty('generate', generate);
    if (props.type !== undefined && (typeof props.type !== 'string' || props.type === '')) throw invalidProps(this, `type must be a Secret type such as 'Opaque', got ${describeValue(props.type)}`);
    this.secretType = props.type;
  }

  /** Adds (or replaces) one value; it must be a Ref such as `Secret.fromName('name')`. */
  public addData(key: string, value: Ref): void {
    checkKey(this, 'data', key);
    if (!Ref.isRef(value)) {
      throw invalidProps(this, `data.${key} must be a hybrid Secret (Secret.fromName('...')) or another deploy-time value, got ${typeof value === 'string' ? 'a literal string, which would be written into the blueprint in plain text' : describeValue(value)}`);
    }
    this.data[key] = value;
  }

  /** An environment variable source that reads `key` from this Secret. */
  public envValue(key: string): K8sEnvVarSource {
    return { secretKeyRef: { name: this.objectName, key } };
  }

  /** Every key of this Secret as environment variables. */
  public envFrom(prefix?: string): K8sEnvFromSource {
    return { secretRef: { name: this.objectName }, ...(prefix ? { prefix } : {}) };
  }

  /** A pod volume holding one file per key. */
  public volume(volumeName?: string): K8sVolume {
    return { name: volumeName ?? this.objectName, secret: { secretName: this.objectName } };
  }

  protected override renderBody(): { [key: string]: any } {
    return {
      ...(this.secretType ? { type: this.secretType } : {}),
      ...(Object.keys(this.data).length > 0 ? { stringData: { ...this.data } } : {}),
    };
  }
}
