/**
 * From a node's properties to the object hybrid applies: the definition checked (a hand-written
 * blueprint reaches here unchecked), the namespace and served apiVersion filled in, hybrid's
 * label and annotation added, and a Secret's values turned into base64 `data` (stringData is
 * write-only in the API, so ownership of it could never be read back) with generated values kept.
 */
import { randomInt } from 'node:crypto';
import { NonRecoverableError, OperationContext } from '../../engine/provider';
import { ResourceInfo, splitApiVersion } from './discovery';

export const FIELD_MANAGER = 'hybrid';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_ANNOTATION = 'hybrid.io/instance';

/** What the properties ask for, checked. */
export interface DesiredObject {
  readonly definition: { [key: string]: any };
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** The definition's own namespace, if it sets one. */
  readonly namespace?: string;
  readonly wait: { readonly ready: boolean; readonly timeoutMs: number; readonly loadBalancer: boolean };
  readonly forceConflicts: boolean;
  /** Secret keys generated on first apply, with their length. */
  readonly generate: { readonly [key: string]: number };
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DEFAULT_TIMEOUT_SECONDS = 300;

export function desiredObject(context: OperationContext, environment: NodeJS.ProcessEnv = process.env): DesiredObject {
  const properties = context.instance.properties;
  const definition = properties.definition;
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new NonRecoverableError(`property 'definition' must be a Kubernetes object (a dict with apiVersion, kind and metadata), got ${Array.isArray(definition) ? 'a list' : typeof definition}`);
  }
  const { apiVersion, kind } = definition;
  if (typeof apiVersion !== 'string' || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) throw new NonRecoverableError(`definition.apiVersion must be like 'v1' or 'apps/v1', got ${JSON.stringify(apiVersion)}`);
  if (typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new NonRecoverableError(`definition.kind must be a kind like 'Deployment', got ${JSON.stringify(kind)}`);
  const metadata = definition.metadata;
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new NonRecoverableError(`definition.metadata.name is required for ${kind} (hybrid finds the object again by its name; generateName cannot be adopted after a crash)`);
  }
  if (!NAME.test(metadata.name) || metadata.name.length > 253) {
    throw new NonRecoverableError(`definition.metadata.name must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, got ${JSON.stringify(metadata.name)}`);
  }
  if (metadata.namespace !== undefined && (typeof metadata.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(metadata.namespace))) {
    throw new NonRecoverableError(`definition.metadata.namespace must be a namespace name, got ${JSON.stringify(metadata.namespace)}`);
  }
  const wait = properties.wait ?? {};
  if (typeof wait !== 'object' || Array.isArray(wait)) throw new NonRecoverableError(`property 'wait' must be a dict, got ${typeof wait}`);
  const timeout = wait.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw new NonRecoverableError(`wait.timeout must be a positive number of seconds, got ${JSON.stringify(timeout)}`);
  const generate = properties.generate ?? {};
  if (typeof generate !== 'object' || Array.isArray(generate)) throw new NonRecoverableError(`property 'generate' must be a dict of key names to lengths, got ${typeof generate}`);
  for (const [key, length] of Object.entries(generate)) {
    if (!Number.isInteger(length) || (length as number) < 8 || (length as number) > 256) throw new NonRecoverableError(`generate.${key} must be a length from 8 to 256, got ${JSON.stringify(length)}`);
  }
  if (Object.keys(generate).length > 0 && !(kind === 'Secret' && splitApiVersion(apiVersion).group === '')) {
    throw new NonRecoverableError(`property 'generate' is for Secrets only, but the definition is a ${kind}`);
  }
  return {
    definition,
    apiVersion,
    group: splitApiVersion(apiVersion).group,
    kind,
    name: metadata.name,
    namespace: metadata.namespace,
    wait: { ready: wait.ready !== false, timeoutMs: timeout * 1000, loadBalancer: wait.load_balancer === true },
    forceConflicts: properties.force_conflicts === true || /^(1|true|yes)$/i.test(environment.HYBRID_KUBERNETES_FORCE_CONFLICTS ?? ''),
    generate: generate as { [key: string]: number },
  };
}

export function isSecret(object: { group: string; kind: string }): boolean {
  return object.group === '' && object.kind === 'Secret';
}

/**
 * The body of the apply patch. `existingData` is the live Secret's data, from which generated
 * values are kept; values it lacks are generated now.
 */
export function applyBody(context: OperationContext, desired: DesiredObject, resource: ResourceInfo, namespace: string | undefined, existingData?: { [key: string]: string }): any {
  const definition = desired.definition;
  const metadata = { ...definition.metadata };
  if (resource.namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  metadata.labels = { [MANAGED_BY_LABEL]: FIELD_MANAGER, ...(metadata.labels ?? {}) };
  metadata.annotations = { ...(metadata.annotations ?? {}), [INSTANCE_ANNOTATION]: context.identity };
  const body: any = withPortProtocols({ ...definition, apiVersion: resource.apiVersion, kind: desired.kind, metadata });
  if (isSecret(desired)) {
    const data: { [key: string]: string } = {};
    for (const [key, value] of Object.entries(definition.data ?? {})) data[key] = String(value);
    for (const [key, value] of Object.entries(definition.stringData ?? {})) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    for (const [key, length] of Object.entries(desired.generate)) {
      if (key in data) continue;
      data[key] = existingData?.[key] ?? Buffer.from(randomText(length), 'utf8').toString('base64');
    }
    for (const value of Object.values(data)) {
      context.registerSecret(value);
      context.registerSecret(Buffer.from(value, 'base64').toString('utf8'));
    }
    delete body.stringData;
    body.data = data;
  }
  return body;
}

/**
 * Ports lists (a Service's, a container's, an Endpoints subset's, a NetworkPolicy's) are keyed by
 * port and protocol. The server defaults protocol to TCP, but Kubernetes 1.20's server-side apply
 * builds the patch before defaulting and rejects an element without it ("associative list with
 * keys has an element that omits key field protocol"), so hybrid writes the default itself.
 */
function withPortProtocols(value: any, key?: string): any {
  if (Array.isArray(value)) {
    return value.map((item) =>
      key === 'ports' && typeof item === 'object' && item !== null && !Array.isArray(item) && item.protocol === undefined && (item.port !== undefined || item.containerPort !== undefined)
        ? { ...withPortProtocols(item), protocol: 'TCP' }
        : withPortProtocols(item),
    );
  }
  if (typeof value !== 'object' || value === null) return value;
  const result: any = {};
  for (const [name, item] of Object.entries(value)) result[name] = withPortProtocols(item, name);
  return result;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Letters and digits only, so a generated password survives shells, URLs and config files. */
function randomText(length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += ALPHABET[randomInt(ALPHABET.length)];
  return text;
}

/** `Deployment web/wordpress`, `Namespace blog`: how messages name an object. */
export function describeObject(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
