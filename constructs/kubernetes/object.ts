import { Construct, IConstruct } from 'constructs';
import { Stack } from '../../lib/core/app';
import { DEPENDS_ON, NodeTemplate, RelationshipSpec, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { kubernetesNodeType } from '../../lib/core/types/kubernetes';
import { K8sCluster } from './cluster';
import { checkStringMap, checkWhole } from '../../lib/core/validate';
import { LABEL_KEYS, LABEL_VALUES, checkLabelName, checkSubdomainName, kebabName } from './validate';

const K8S_OBJECT_BRAND = Symbol.for('hybrid.K8sObject');
const K8S_NAMESPACE_BRAND = Symbol.for('hybrid.K8sNamespace');

/** Kinds that live outside namespaces (built-in ones; a custom kind's scope comes from its CRD). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'APIService', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'CertificateSigningRequest', 'PodSecurityPolicy',
]);
const ENGINE_DEFAULT_TIMEOUT_SECONDS = 600;
const OPERATION_MARGIN_SECONDS = 60;
const SERVER_METADATA = ['creationTimestamp', 'resourceVersion', 'uid', 'selfLink', 'generation', 'managedFields'];
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io', 'certificates.k8s.io', 'apiregistration.k8s.io']);

/** True for built-in kinds that live outside namespaces. */
export function isClusterScoped(group: string, kind: string): boolean {
  return BUILTIN_GROUPS.has(group) && CLUSTER_SCOPED.has(kind);
}

/** Options every Kubernetes object takes. */
export interface K8sObjectOptions {
  /** The cluster the object goes to. @default - the deploying machine's kubeconfig (KUBECONFIG, then ~/.kube/config) */
  readonly cluster?: K8sCluster;
  /** `metadata.name`. Changing it replaces the object. @default - the construct id in kebab case (`MysqlService` → `mysql-service`) */
  readonly name?: string;
  /** Labels, on top of `app.kubernetes.io/managed-by: hybrid`. @default - none */
  readonly labels?: { [key: string]: string | Ref };
  /** Annotations. @default - none */
  readonly annotations?: { [key: string]: string | Ref };
  /**
   * Wait until the object is ready before dependents deploy (rollout complete, pods ready, claim
   * bound, job complete, CRD established).
   * @default true
   */
  readonly waitForReady?: boolean;
  /** Seconds to wait for readiness, and for deletion, before the deploy fails. @default 300 */
  readonly readyTimeout?: number;
  /**
   * Take over fields that another field manager (kubectl, a controller) owns instead of failing
   * with the conflict.
   * @default false
   */
  readonly forceConflicts?: boolean;
}

/** Options of objects that live in a namespace. */
export interface K8sNamespacedOptions extends K8sObjectOptions {
  /** The namespace: a name, or a K8sNamespace of this program (deployed first). @default - the kubeconfig context's namespace (usually `default`) */
  readonly namespace?: string | K8sNamespace;
}

/** Props of a K8sObject: any API object, by its definition. */
export interface K8sObjectProps extends K8sNamespacedOptions {
  /**
   * The object as the API takes it: `apiVersion`, `kind`, `metadata` and the rest (`spec`,
   * `data`...). Values may be Refs. `metadata.name` and `metadata.namespace` may be given here or
   * with the name and namespace props.
   */
  readonly definition: { [key: string]: any };
}

interface Reference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * Any Kubernetes API object (the L1 of the Kubernetes constructs): applied with server-side
 * apply, waited for until ready, deleted with its dependents. Within one stack and cluster it is
 * installed after the Namespace it lives in, the CustomResourceDefinition of its kind, and the
 * Secrets, ConfigMaps, claims, service accounts and roles it names, whichever construct made them.
 */
export class K8sObject extends NodeTemplate {
  /** True for any K8sObject, even one made by another copy of this library. */
  public static isK8sObject(x: any): x is K8sObject {
    return typeof x === 'object' && x !== null && x[K8S_OBJECT_BRAND] === true;
  }

  public readonly apiVersion: string;
  public readonly kind: string;
  /** `metadata.name`. */
  public readonly objectName: string;
  /** The namespace, when one was given (else the kubeconfig context's applies). */
  public readonly namespaceName?: string;
  /** The cluster, when one was given. */
  public readonly cluster?: K8sCluster;
  private readonly labels: { [key: string]: string | Ref };
  private readonly annotations: { [key: string]: string | Ref };
  private readonly rawBody: { [key: string]: any };
  private readonly otherMetadata: { [key: string]: any };

  constructor(scope: Construct, id: string, props: K8sObjectProps) {
    const definition = props?.definition;
    const kind = typeof definition?.kind === 'string' ? definition.kind : 'Resource';
    super(scope, id, { type: kubernetesNodeType(kind) });
    Object.defineProperty(this, K8S_OBJECT_BRAND, { value: true });
    if (typeof definition !== 'object' || definition === null || Array.isArray(definition) || Ref.isRef(definition)) {
      throw invalidProps(this, `definition must be a Kubernetes object ({ apiVersion, kind, metadata, ... }), got ${describeValue(definition)}`);
    }
    if (typeof definition.apiVersion !== 'string' || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(definition.apiVersion)) {
      throw invalidProps(this, `definition.apiVersion must be like 'v1' or 'apps/v1', got ${describeValue(definition.apiVersion)}`);
    }
    if (typeof definition.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(definition.kind)) {
      throw invalidProps(this, `definition.kind must be a kind like 'Deployment', got ${describeValue(definition.kind)}`);
    }
    const { apiVersion, kind: _kind, metadata = {}, ...rest } = definition;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalidProps(this, `definition.metadata must be an object, got ${describeValue(metadata)}`);
    const { name: metadataName, namespace: metadataNamespace, labels: metadataLabels, annotations: metadataAnnotations, ...otherMetadata } = metadata;
    if (otherMetadata.generateName !== undefined) {
      throw invalidProps(this, 'definition.metadata.generateName is not supported: hybrid finds an object again by its name, so give it metadata.name');
    }
    // Fields the server fills in (present in exported manifests) are not part of a definition.
    for (const serverField of SERVER_METADATA) delete otherMetadata[serverField];
    this.apiVersion = apiVersion;
    this.kind = kind;

    if (props.name !== undefined && metadataName !== undefined && props.name !== metadataName) {
      throw invalidProps(this, `name ${JSON.stringify(props.name)} and definition.metadata.name ${JSON.stringify(metadataName)} differ; give one of them`);
    }
    this.objectName = props.name ?? metadataName ?? kebabName(id);
    checkSubdomainName(this, props.name !== undefined || metadataName !== undefined ? 'name' : `name (derived from the id ${JSON.stringify(id)})`, this.objectName);

    const namespace = props.namespace ?? metadataNamespace;
    if (K8sNamespace.isK8sNamespace(namespace)) {
      this.namespaceName = namespace.objectName;
      this.dependsOn(namespace);
    } else if (namespace !== undefined) {
      checkLabelName(this, 'namespace', namespace);
      this.namespaceName = namespace as string;
    }
    if (this.namespaceName !== undefined && CLUSTER_SCOPED.has(kind) && BUILTIN_GROUPS.has(this.group)) {
      throw invalidProps(this, `a ${kind} is not namespaced, but namespace ${JSON.stringify(this.namespaceName)} was given`);
    }

    checkStringMap(this, 'labels', props.labels, { keys: LABEL_KEYS, values: LABEL_VALUES });
    checkStringMap(this, 'annotations', props.annotations, { keys: LABEL_KEYS });
    checkStringMap(this, 'definition.metadata.labels', metadataLabels, { keys: LABEL_KEYS, values: LABEL_VALUES });
    checkStringMap(this, 'definition.metadata.annotations', metadataAnnotations, { keys: LABEL_KEYS });
    this.labels = { ...(metadataLabels ?? {}), ...(props.labels ?? {}) };
    this.annotations = { ...(metadataAnnotations ?? {}), ...(props.annotations ?? {}) };
    this.rawBody = rest;
    this.otherMetadata = otherMetadata;

    if (props.cluster !== undefined) {
      if (!K8sCluster.isK8sCluster(props.cluster)) throw invalidProps(this, `cluster must be a K8sCluster (K8sCluster.fromKubeconfig(...)), got ${describeValue(props.cluster)}`);
      this.cluster = props.cluster;
      if (Object.keys(props.cluster.clientConfig).length > 0) this.setProperty('client_config', props.cluster.clientConfig);
      if (props.cluster.dependency) this.dependsOn(props.cluster.dependency);
    }
    if (K8sNamespace.isK8sNamespace(namespace) && namespace.cluster !== this.cluster) {
      throw invalidProps(this, `its namespace ${namespace.node.path} is on another cluster`);
    }
    checkWhole(this, 'readyTimeout', props.readyTimeout, 1);
    const wait: { [key: string]: any } = {};
    if (props.waitForReady === false) wait.ready = false;
    if (props.readyTimeout !== undefined) wait.timeout = props.readyTimeout;
    if (Object.keys(wait).length > 0) this.setProperty('wait', wait);
    // The engine abandons an operation after 600 s unless told otherwise: a longer wait needs a
    // longer operation timeout, or the engine's generic timeout would hide which pod is not ready.
    if (props.readyTimeout !== undefined && props.readyTimeout + OPERATION_MARGIN_SECONDS > ENGINE_DEFAULT_TIMEOUT_SECONDS) {
      for (const [operation, implementation] of [['start', 'wait'], ['update', 'update'], ['delete', 'delete']]) {
        this.addOperation('cloudify.interfaces.lifecycle', operation, { implementation: `hybrid.kubernetes.resource.${implementation}`, timeout: props.readyTimeout + OPERATION_MARGIN_SECONDS });
      }
    }
    if (props.forceConflicts) this.setProperty('force_conflicts', true);
  }

  /** The API group (`apps`, or '' for the core group). */
  public get group(): string {
    const slash = this.apiVersion.indexOf('/');
    return slash === -1 ? '' : this.apiVersion.slice(0, slash);
  }

  /** The object as it is applied: apiVersion, kind, metadata, and the body. */
  public get definition(): { [key: string]: any } {
    const metadata: { [key: string]: any } = { ...this.otherMetadata, name: this.objectName };
    if (this.namespaceName !== undefined) metadata.namespace = this.namespaceName;
    if (Object.keys(this.labels).length > 0) metadata.labels = { ...this.labels };
    if (Object.keys(this.annotations).length > 0) metadata.annotations = { ...this.annotations };
    return { apiVersion: this.apiVersion, kind: this.kind, metadata, ...this.renderBody() };
  }

  /** Node properties, with the definition rendered from the object's current state. */
  public override get properties(): { readonly [name: string]: any } {
    return { definition: this.definition, ...super.properties };
  }

  /** Relationships, with the implicit dependencies on namespace, CRD and referenced objects added. */
  public override get relationships(): RelationshipSpec[] {
    const relationships = super.relationships;
    const targets = new Set<IConstruct>(relationships.map((relationship) => relationship.target));
    for (const dependency of this.implicitDependencies()) {
      if (targets.has(dependency)) continue;
      targets.add(dependency);
      relationships.push({ type: DEPENDS_ON, target: dependency, location: this.location });
    }
    return relationships;
  }

  /** The object's uid, known once it is created. */
  public get uid(): Ref {
    return this.attr('uid');
  }

  /** The namespace the object lives in, known once it is created (the context's when none was given). */
  public get namespaceAttribute(): Ref {
    return this.attr('namespace');
  }

  /** Whether the object lives in a namespace. */
  public get namespaced(): boolean {
    if (BUILTIN_GROUPS.has(this.group)) return !CLUSTER_SCOPED.has(this.kind);
    const definition = this.customResourceDefinition();
    return definition === undefined || definition.definition.spec?.scope !== 'Cluster';
  }

  /** The body below metadata (`spec`, `data`...). Typed constructs build it from their props. */
  protected renderBody(): { [key: string]: any } {
    return { ...this.rawBody };
  }

  private customResourceDefinition(): K8sObject | undefined {
    return this.siblings().find((other) => other.kind === 'CustomResourceDefinition' && other.group === 'apiextensions.k8s.io' && other.rawBody.spec?.group === this.group && other.rawBody.spec?.names?.kind === this.kind);
  }

  /** The other Kubernetes objects of this stack on the same cluster. */
  private siblings(): K8sObject[] {
    let stack: Stack;
    try {
      stack = Stack.of(this);
    } catch {
      return [];
    }
    return stack.node.findAll().filter((construct): construct is K8sObject => K8sObject.isK8sObject(construct) && construct !== this && construct.cluster === this.cluster);
  }

  private implicitDependencies(): K8sObject[] {
    const siblings = this.siblings();
    const namespace = this.namespaceName ?? 'default';
    const namespaceOf = (other: K8sObject) => other.namespaceName ?? 'default';
    const duplicate = siblings.find((other) => other.kind === this.kind && other.group === this.group && other.objectName === this.objectName && (!this.namespaced || namespaceOf(other) === namespace));
    if (duplicate) throw invalidProps(this, `${duplicate.node.path} is the same ${this.kind} (${this.namespaced ? `${namespace}/` : ''}${this.objectName}); give one of them another name`);
    const found: K8sObject[] = [];
    if (this.namespaced) {
      found.push(...siblings.filter((other) => other.kind === 'Namespace' && other.group === '' && other.objectName === namespace));
    }
    if (!BUILTIN_GROUPS.has(this.group)) {
      const definition = this.customResourceDefinition();
      if (definition) found.push(definition);
    }
    for (const reference of references(this.renderBody())) {
      found.push(...siblings.filter((other) => other.kind === reference.kind && other.group === reference.group && other.objectName === reference.name && namespaceOf(other) === namespace));
    }
    return [...new Set(found)];
  }
}

const REFERENCE_FIELDS: ReadonlyArray<{ readonly key: string; readonly field: string; readonly kind: string; readonly group?: string }> = [
  { key: 'secretKeyRef', field: 'name', kind: 'Secret' },
  { key: 'secretRef', field: 'name', kind: 'Secret' },
  { key: 'secret', field: 'secretName', kind: 'Secret' },
  { key: 'configMapKeyRef', field: 'name', kind: 'ConfigMap' },
  { key: 'configMapRef', field: 'name', kind: 'ConfigMap' },
  { key: 'configMap', field: 'name', kind: 'ConfigMap' },
  { key: 'persistentVolumeClaim', field: 'claimName', kind: 'PersistentVolumeClaim' },
];

/** The objects a body names by literal name: the ones it needs to exist first. */
function references(value: any, found: Reference[] = []): Reference[] {
  if (Ref.isRef(value) || typeof value !== 'object' || value === null) return found;
  if (Array.isArray(value)) {
    for (const item of value) references(item, found);
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    const rule = REFERENCE_FIELDS.find((candidate) => candidate.key === key);
    if (rule && typeof item === 'object' && item !== null && typeof (item as any)[rule.field] === 'string') found.push({ group: rule.group ?? '', kind: rule.kind, name: (item as any)[rule.field] });
    if ((key === 'serviceAccountName' || key === 'serviceAccount') && typeof item === 'string') found.push({ group: '', kind: 'ServiceAccount', name: item });
    if (key === 'imagePullSecrets' && Array.isArray(item)) for (const entry of item) if (typeof entry?.name === 'string') found.push({ group: '', kind: 'Secret', name: entry.name });
    if (key === 'roleRef' && typeof item === 'object' && item !== null && (item as any).kind === 'Role' && typeof (item as any).name === 'string') found.push({ group: 'rbac.authorization.k8s.io', kind: 'Role', name: (item as any).name });
    if (key === 'subjects' && Array.isArray(item)) for (const subject of item) if (subject?.kind === 'ServiceAccount' && typeof subject.name === 'string') found.push({ group: '', kind: 'ServiceAccount', name: subject.name });
    references(item, found);
  }
  return found;
}

/** Props of a K8sNamespace. */
export interface K8sNamespaceProps extends K8sObjectOptions {}

/** A Namespace. Objects placed in it (namespace: this) deploy after it and are deleted before it. */
export class K8sNamespace extends K8sObject {
  /** True for any K8sNamespace, even one made by another copy of this library. */
  public static isK8sNamespace(x: any): x is K8sNamespace {
    return typeof x === 'object' && x !== null && x[K8S_NAMESPACE_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: K8sNamespaceProps = {}) {
    super(scope, id, { ...props, definition: { apiVersion: 'v1', kind: 'Namespace' } });
    Object.defineProperty(this, K8S_NAMESPACE_BRAND, { value: true });
    checkLabelName(this, 'name', this.objectName);
  }
}
