import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import { ErrorCode } from '../../lib/core/errors';
import { SourceLocation, constructError } from '../../lib/core/location';
import { describeValue } from '../../lib/core/refs';
import { K8sCluster } from './cluster';
import { K8sNamespace, K8sObject, isClusterScoped } from './object';
import { kebabName } from './validate';

const K8S_MANIFEST_BRAND = Symbol.for('hybrid.K8sManifest');

/** Props of a K8sManifest. Give objects, a file, or both. */
export interface K8sManifestProps {
  /** API objects as plain data (values may be Refs). `kind: List` objects are expanded. @default - none */
  readonly objects?: any[];
  /**
   * A YAML (or JSON) file of one or more documents, read when the program runs. A relative path
   * is taken from the directory of the program file that creates the manifest (else the current
   * directory).
   * @default - none
   */
  readonly file?: string;
  /** The cluster. @default - the deploying machine's kubeconfig */
  readonly cluster?: K8sCluster;
  /** The namespace of namespaced objects that name none. @default - the kubeconfig context's namespace */
  readonly namespace?: string | K8sNamespace;
  /** Wait for each object to be ready. @default true */
  readonly waitForReady?: boolean;
  /** Seconds to wait for each object. @default 300 */
  readonly readyTimeout?: number;
  /** Take over fields other managers own. @default false */
  readonly forceConflicts?: boolean;
}

/**
 * Any Kubernetes objects, from data or a YAML file: one node per object, so each is applied,
 * waited for and deleted on its own, in order (namespaces and CRDs before what needs them).
 */
export class K8sManifest extends Construct {
  /** True for any K8sManifest, even one made by another copy of this library. */
  public static isK8sManifest(x: any): x is K8sManifest {
    return typeof x === 'object' && x !== null && x[K8S_MANIFEST_BRAND] === true;
  }

  /** The objects, in document order. */
  public readonly objects: K8sObject[] = [];

  constructor(scope: Construct, id: string, props: K8sManifestProps) {
    super(scope, id);
    Object.defineProperty(this, K8S_MANIFEST_BRAND, { value: true });
    const location = SourceLocation.capture();
    const fail = (message: string, cause?: unknown) => constructError(ErrorCode.InvalidProps, this, message, location, cause);
    if (props?.objects === undefined && props?.file === undefined) throw fail('give objects, a file, or both');
    if (props.objects !== undefined && !Array.isArray(props.objects)) throw fail(`objects must be a list of API objects, got ${describeValue(props.objects)}`);
    const documents: Array<{ value: any; origin: string }> = (props.objects ?? []).map((value, index) => ({ value, origin: `objects[${index}]` }));
    if (props.file !== undefined) {
      if (typeof props.file !== 'string' || props.file === '') throw fail(`file must be a path, got ${describeValue(props.file)}`);
      const creator = /^(.*):\d+:\d+$/.exec(location.toString() ?? '')?.[1];
      const full = path.resolve(creator ? path.dirname(creator) : process.cwd(), props.file);
      let text: string;
      try {
        text = fs.readFileSync(full, 'utf8');
      } catch (error) {
        throw fail(`cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
      }
      let loaded: unknown[];
      try {
        loaded = yaml.loadAll(text, undefined, { filename: full });
      } catch (error) {
        throw fail(`${full} is not valid YAML: ${(error as Error).message}`, error);
      }
      loaded.forEach((value, index) => documents.push({ value, origin: `${path.basename(full)} document ${index + 1}` }));
    }
    const expanded = documents.flatMap(({ value, origin }) =>
      value?.kind === 'List' && Array.isArray(value.items) ? value.items.map((item: any, index: number) => ({ value: item, origin: `${origin} item ${index + 1}` })) : [{ value, origin }],
    );
    const objects = expanded.filter(({ value }) => value !== null && value !== undefined); // empty YAML documents (a trailing ---)
    for (const { value, origin } of objects) {
      if (typeof value !== 'object' || Array.isArray(value) || typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string') {
        throw fail(`${origin} is not a Kubernetes object with kind and metadata.name, got ${describeValue(value)}`);
      }
    }
    // Custom kinds defined in this manifest: their scope decides whether the namespace applies.
    const clusterScopedCustomKinds = new Set(
      objects.filter(({ value }) => value.kind === 'CustomResourceDefinition' && value.spec?.scope === 'Cluster').map(({ value }) => `${value.spec?.group}/${value.spec?.names?.kind}`),
    );
    const ids = new Set<string>();
    for (const { value } of objects) {
      let objectId = `${value.kind}-${kebabName(value.metadata.name) || 'object'}${value.metadata.namespace ? `-${kebabName(value.metadata.namespace)}` : ''}`;
      for (let suffix = 2; ids.has(objectId); suffix++) objectId = `${value.kind}-${kebabName(value.metadata.name)}-${suffix}`;
      ids.add(objectId);
      const group = typeof value.apiVersion === 'string' && value.apiVersion.includes('/') ? value.apiVersion.split('/')[0] : '';
      const namespaced = !isClusterScoped(group, value.kind) && !clusterScopedCustomKinds.has(`${group}/${value.kind}`);
      this.objects.push(new K8sObject(this, objectId, {
        definition: value,
        ...(namespaced && value.metadata.namespace === undefined && props.namespace !== undefined ? { namespace: props.namespace } : {}),
        cluster: props.cluster,
        waitForReady: props.waitForReady,
        readyTimeout: props.readyTimeout,
        forceConflicts: props.forceConflicts,
      }));
    }
  }

  /** The object of this kind and name (the first, if several namespaces have one). */
  public findObject(kind: string, name: string): K8sObject {
    const found = this.objects.find((object) => object.kind === kind && object.objectName === name);
    if (!found) throw constructError(ErrorCode.InvalidProps, this, `has no ${kind} named ${JSON.stringify(name)} (objects: ${this.objects.map((o) => `${o.kind}/${o.objectName}`).join(', ') || 'none'})`);
    return found;
  }
}
