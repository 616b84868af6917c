/**
 * The operations of `hybrid.nodes.kubernetes.*`:
 *   create — server-side apply (field manager `hybrid`);
 *   wait   — (start) wait until the object is ready, with progress;
 *   update — apply again, then wait; a changed name, namespace or kind deletes the old object first;
 *   delete — delete (foreground propagation for what owns pods or jobs) and wait until it is gone;
 *   read   — (check_drift) does it exist, and what would applying the definition change.
 * Readiness is its own operation so that a deploy interrupted while waiting resumes the wait,
 * rather than adopting an object that never became ready.
 */
import { NonRecoverableError, OperationContext, OperationResult, ReadResult, RecoverableError } from '../../engine/provider';
import { KubernetesApiError, KubernetesClient, KubernetesUnreachableError, isAbortError, sleep } from './client';
import { Discovery, ResourceInfo, collectionPath, objectPath, splitApiVersion } from './discovery';
import { driftMessages } from './drift';
import { ClusterConnection, resolveConnection } from './kubeconfig';
import { DesiredObject, FIELD_MANAGER, applyBody, describeObject, desiredObject, isSecret } from './manifest';
import { podProblem, podSelector, readiness } from './readiness';

const APPLY_CONTENT_TYPE = 'application/apply-patch+yaml';
/** Runtime properties every Kubernetes instance records. */
const IDENTITY_PROPERTIES = ['name', 'namespace', 'kind', 'api_version', 'uid', 'path', 'cluster'];
const SERVICE_PROPERTIES = ['cluster_ip', 'load_balancer', 'node_ports', 'node_address'];

/** One object as an operation sees it: what it should be and where it lives. */
interface Target {
  readonly desired: DesiredObject;
  readonly client: KubernetesClient;
  readonly resource: ResourceInfo;
  readonly namespace?: string;
  readonly path: string;
  /** `Deployment web/wordpress`. */
  readonly label: string;
}

export class KubernetesOperations {
  private readonly clients = new Map<string, { client: KubernetesClient; discovery: Discovery }>();
  /** The object each apply returned, by identity, so the wait that follows needs no GET. */
  private readonly applied = new Map<string, any>();

  constructor(private readonly environment: NodeJS.ProcessEnv = process.env) {}

  /** Every client's request count: what the bench reports per object. */
  public get requests(): number {
    return [...this.clients.values()].reduce((sum, { client }) => sum + client.requests, 0);
  }

  public close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
    this.applied.clear();
  }

  public readonly create = async (context: OperationContext): Promise<OperationResult> => {
    const target = await this.target(context);
    const object = await this.apply(context, target, target.desired.forceConflicts);
    return { runtimeProperties: identityProperties(object, target) };
  };

  public readonly wait = async (context: OperationContext): Promise<OperationResult> => {
    const target = await this.target(context);
    const object = await this.waitUntilReady(context, target, this.takeApplied(context));
    return { runtimeProperties: { ...identityProperties(object, target), ...(await this.serviceProperties(context, target, object)) } };
  };

  public readonly update = async (context: OperationContext): Promise<OperationResult> => {
    const target = await this.target(context);
    const recorded = context.instance.runtimeProperties;
    if (recorded.path && movedElsewhere(recorded, target)) {
      const old = describeObject(recorded.kind, recorded.namespace, recorded.name);
      context.log('info', `${old} becomes ${target.label}: deleting ${old} first`);
      await this.deleteAndWait(context, target.client, recorded.path, { group: splitApiVersion(recorded.api_version ?? 'v1').group, kind: recorded.kind }, old, target.desired.wait.timeoutMs);
    } else if (target.desired.group === 'batch' && target.desired.kind === 'Job') {
      // A Job's pod template is immutable, and a changed Job means "run this instead".
      context.log('info', `${target.label} changed: deleting it to run it again`);
      await this.deleteAndWait(context, target.client, target.path, target.desired, target.label, target.desired.wait.timeoutMs);
    }
    const appliedObject = await this.apply(context, target, target.desired.forceConflicts);
    this.applied.delete(context.identity);
    const object = await this.waitUntilReady(context, target, appliedObject);
    return { runtimeProperties: { ...identityProperties(object, target), ...(await this.serviceProperties(context, target, object)) } };
  };

  public readonly delete = async (context: OperationContext): Promise<OperationResult> => {
    const recorded = context.instance.runtimeProperties;
    const desired = desiredObject(context, this.environment);
    let client: KubernetesClient;
    let path: string;
    let label: string;
    const kind = { group: typeof recorded.api_version === 'string' ? splitApiVersion(recorded.api_version).group : desired.group, kind: recorded.kind ?? desired.kind };
    if (typeof recorded.path === 'string' && recorded.path !== '') {
      client = this.connect(context).client;
      path = recorded.path;
      label = describeObject(kind.kind, recorded.namespace, recorded.name ?? desired.name);
    } else {
      let target: Target;
      try {
        target = await this.target(context);
      } catch (error) {
        // Nothing was ever created where the kind is not served (a CRD removed first, say).
        if (error instanceof RecoverableError && /serves no kind/.test(error.message)) {
          context.log('info', `${desired.kind} ${desired.name}: ${error.message}; nothing to delete`);
          return { removeRuntimeProperties: [...IDENTITY_PROPERTIES, ...SERVICE_PROPERTIES] };
        }
        throw error;
      }
      ({ client, path, label } = target);
    }
    await this.deleteAndWait(context, client, path, kind, label, desired.wait.timeoutMs);
    return { removeRuntimeProperties: [...IDENTITY_PROPERTIES, ...SERVICE_PROPERTIES] };
  };

  public readonly read = async (context: OperationContext): Promise<ReadResult> => {
    const target = await this.target(context);
    const live = await this.get(context, target.client, target.path);
    if (!live) return { exists: false };
    let drift: string[];
    try {
      const wouldBe = await this.request(context, target.client, 'PATCH', target.path, {
        query: { fieldManager: FIELD_MANAGER, force: true, dryRun: 'All' },
        body: applyBody(context, target.desired, target.resource, target.namespace, live.data),
        contentType: APPLY_CONTENT_TYPE,
      }, target.label);
      drift = driftMessages(wouldBe.body, live, { hideValues: isSecret(target.desired) });
    } catch (error) {
      if (!(error instanceof NonRecoverableError)) throw error;
      drift = [`applying the definition would fail: ${error.message}`];
    }
    return { exists: true, drift, runtimeProperties: identityProperties(live, target) };
  };

  // ---- pieces ------------------------------------------------------------------------------

  private connect(context: OperationContext): { client: KubernetesClient; discovery: Discovery; connection: ClusterConnection } {
    const connection = resolveConnection(context, this.environment);
    let entry = this.clients.get(connection.cacheKey);
    if (!entry) {
      const client = new KubernetesClient(connection);
      entry = { client, discovery: new Discovery(client) };
      this.clients.set(connection.cacheKey, entry);
    }
    return { ...entry, connection: entry.client.connection };
  }

  private async target(context: OperationContext): Promise<Target> {
    const desired = desiredObject(context, this.environment);
    const { client, discovery, connection } = this.connect(context);
    let resource: ResourceInfo;
    try {
      resource = await discovery.resource(desired.apiVersion, desired.kind, context.signal);
    } catch (error) {
      throw classify(error, `cannot look up ${desired.kind} (${desired.apiVersion}) on ${connection.server}`);
    }
    const namespace = resource.namespaced ? desired.namespace ?? connection.namespace : undefined;
    if (!resource.namespaced && desired.namespace) context.log('warn', `${desired.kind} is not namespaced: metadata.namespace ${desired.namespace} is ignored`);
    if (resource.apiVersion !== desired.apiVersion) context.log('info', `${desired.kind} ${desired.name}: the cluster serves ${desired.kind} as ${resource.apiVersion}, not ${desired.apiVersion}; applying it as ${resource.apiVersion}`);
    return { desired, client, resource, namespace, path: objectPath(resource, namespace, desired.name), label: describeObject(desired.kind, namespace, desired.name) };
  }

  private async apply(context: OperationContext, target: Target, force: boolean): Promise<any> {
    const existing = Object.keys(target.desired.generate).length > 0 ? await this.get(context, target.client, target.path) : undefined;
    const body = applyBody(context, target.desired, target.resource, target.namespace, existing?.data);
    const response = await this.request(context, target.client, 'PATCH', target.path, {
      query: { fieldManager: FIELD_MANAGER, force },
      body,
      contentType: APPLY_CONTENT_TYPE,
    }, target.label);
    context.log('info', `${target.label} ${response.status === 201 ? 'created' : 'applied'}`);
    this.applied.set(context.identity, response.body);
    return response.body;
  }

  private takeApplied(context: OperationContext): any {
    const object = this.applied.get(context.identity);
    this.applied.delete(context.identity);
    return object;
  }

  /** GET an object; undefined when it does not exist. */
  private async get(context: OperationContext, client: KubernetesClient, path: string): Promise<any> {
    try {
      return (await client.request('GET', path, { signal: context.signal })).body;
    } catch (error) {
      if (error instanceof KubernetesApiError && error.status === 404) return undefined;
      throw classify(error, `cannot read ${path}`);
    }
  }

  private async request(context: OperationContext, client: KubernetesClient, method: string, path: string, options: { query?: any; body?: any; contentType?: string }, label: string) {
    try {
      return await client.request(method, path, { ...options, signal: context.signal });
    } catch (error) {
      throw classify(error, `${label}`);
    }
  }

  private async waitUntilReady(context: OperationContext, target: Target, initial: any): Promise<any> {
    const { desired, client, label } = target;
    let object = initial ?? (await this.get(context, client, target.path));
    if (!object) throw new RecoverableError(`${label} does not exist (deleted while hybrid was applying it?)`);
    if (!desired.wait.ready) return object;
    const options = { loadBalancer: desired.wait.loadBalancer };
    const deadline = Date.now() + desired.wait.timeoutMs;
    let shown = '';
    const report = (message: string) => {
      if (message === shown) return;
      shown = message;
      context.progress(`${label}: ${message}`);
    };
    for (;;) {
      const verdict = readiness(desired.group, desired.kind, object, options);
      if (verdict.failure) throw new NonRecoverableError(`${label} cannot become ready: ${verdict.failure}${await this.diagnose(context, target, object)}`);
      if (verdict.ready) {
        if (shown !== '') report(verdict.message);
        return object;
      }
      report(verdict.message);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new NonRecoverableError(
          `timed out after ${Math.round(desired.wait.timeoutMs / 1000)} s waiting for ${label} to be ready: ${verdict.message}${await this.diagnose(context, target, object)}`,
        );
      }
      // Watch this one object from the version seen until it changes in a way that matters.
      const watchSignal = AbortSignal.any([context.signal, AbortSignal.timeout(remaining)]);
      let deleted = false;
      let end: string;
      try {
        end = await client.watch(collectionPath(target.resource, target.namespace), {
          fieldSelector: `metadata.name=${desired.name}`,
          resourceVersion: object.metadata?.resourceVersion,
          timeoutSeconds: Math.max(1, Math.min(Math.ceil(remaining / 1000), 300)),
        }, watchSignal, (event) => {
          if (event.type === 'DELETED') {
            deleted = true;
            return true;
          }
          if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return false;
          object = event.object;
          const next = readiness(desired.group, desired.kind, object, options);
          if (next.ready || next.failure) return true;
          report(next.message);
          return false;
        });
      } catch (error) {
        if (context.signal.aborted) throw error;
        // Only the watch's own deadline ends it quietly; the loop then reports the timeout.
        if (!watchSignal.aborted) throw classify(error, `cannot watch ${label}`);
        end = 'deadline';
      }
      if (deleted) throw new RecoverableError(`${label} was deleted while hybrid waited for it to be ready`);
      if (end === 'stopped' || end === 'deadline') continue;
      // The watch ended (server timeout, expired version, dropped connection): list again.
      if (end === 'broken') await sleep(250, context.signal);
      const fresh = await this.get(context, client, target.path);
      if (!fresh) throw new RecoverableError(`${label} was deleted while hybrid waited for it to be ready`);
      object = fresh;
    }
  }

  /** `; pod web-1 is not ready: Ready=False (...)` for the unready pods of a workload. */
  private async diagnose(context: OperationContext, target: Target, object: any): Promise<string> {
    const { desired } = target;
    if (desired.group === '' && desired.kind === 'Pod') {
      const problem = podProblem(object);
      return problem ? `; ${problem}` : '';
    }
    const selector = podSelector(desired.group, desired.kind, object);
    if (!selector || context.signal.aborted) return '';
    try {
      const pods = await target.client.request('GET', `/api/v1/namespaces/${encodeURIComponent(target.namespace ?? 'default')}/pods`, {
        query: { labelSelector: selector },
        signal: context.signal,
        retryBudgetMs: 5000,
      });
      const items: any[] = pods.body?.items ?? [];
      const unready = items.filter((pod) => !readiness('', 'Pod', pod, { loadBalancer: false }).ready);
      if (items.length === 0) return '; it has no pods yet';
      return unready.slice(0, 3).map((pod) => `; pod ${pod.metadata.name} is not ready: ${podProblem(pod) ?? `phase ${pod.status?.phase ?? 'unknown'}`}`).join('') +
        (unready.length > 3 ? `; and ${unready.length - 3} more pods` : '');
    } catch {
      return '';
    }
  }

  private async deleteAndWait(context: OperationContext, client: KubernetesClient, path: string, kind: { group: string; kind: string }, label: string, timeoutMs: number): Promise<void> {
    try {
      await client.request('DELETE', path, { body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: propagationPolicy(kind.group, kind.kind) }, signal: context.signal });
      context.log('info', `${label} deleted`);
    } catch (error) {
      if (error instanceof KubernetesApiError && error.status === 404) return;
      throw classify(error, `cannot delete ${label}`);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const object = await this.get(context, client, path);
      if (!object) return;
      const remaining = deadline - Date.now();
      const finalizers: string[] = object.metadata?.finalizers ?? [];
      const waitingFor = finalizers.length > 0 ? `finalizers ${finalizers.join(', ')}` : 'the API server';
      if (remaining <= 0) throw new NonRecoverableError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${label} to be deleted; it still waits for ${waitingFor}`);
      context.progress(`${label}: being deleted, waiting for ${waitingFor}`);
      const slash = path.lastIndexOf('/');
      const watchSignal = AbortSignal.any([context.signal, AbortSignal.timeout(remaining)]);
      try {
        const end = await client.watch(path.slice(0, slash), {
          fieldSelector: `metadata.name=${decodeURIComponent(path.slice(slash + 1))}`,
          resourceVersion: object.metadata?.resourceVersion,
          timeoutSeconds: Math.max(1, Math.min(Math.ceil(remaining / 1000), 300)),
        }, watchSignal, (event) => event.type === 'DELETED');
        if (end === 'broken') await sleep(250, context.signal);
      } catch (error) {
        if (context.signal.aborted) throw error;
        // Only the watch's own deadline ends it quietly; the loop then reports the timeout.
        if (!watchSignal.aborted) throw classify(error, `cannot watch ${label}`);
      }
    }
  }

  /** Addresses a Service's clients need: cluster IP, load balancer, node ports and a node's address. */
  private async serviceProperties(context: OperationContext, target: Target, object: any): Promise<{ [name: string]: any }> {
    if (!(target.desired.group === '' && target.desired.kind === 'Service')) return {};
    const spec = object?.spec ?? {};
    const ingress = object?.status?.loadBalancer?.ingress?.[0];
    const nodePorts: { [port: string]: number } = {};
    for (const port of spec.ports ?? []) if (port.nodePort) nodePorts[port.name || String(port.port)] = port.nodePort;
    const properties: { [name: string]: any } = { cluster_ip: spec.clusterIP ?? '', load_balancer: ingress?.ip ?? ingress?.hostname ?? '', node_ports: nodePorts };
    if (Object.keys(nodePorts).length > 0) properties.node_address = await this.nodeAddress(context, target.client);
    return properties;
  }

  private async nodeAddress(context: OperationContext, client: KubernetesClient): Promise<string> {
    try {
      const nodes: any[] = (await client.request('GET', '/api/v1/nodes', { signal: context.signal, retryBudgetMs: 10_000 })).body?.items ?? [];
      const readyNodes = nodes.filter((node) => (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
      for (const type of ['ExternalIP', 'InternalIP', 'Hostname']) {
        for (const node of [...readyNodes, ...nodes]) {
          const address = (node.status?.addresses ?? []).find((candidate: any) => candidate.type === type);
          if (address?.address) return address.address;
        }
      }
    } catch (error) {
      // Listing nodes needs a cluster-wide permission many users lack; the address is a convenience.
      context.log('debug', `cannot list nodes for a node address: ${(error as Error).message}`);
    }
    return '';
  }
}

/** Built-in kinds whose objects own others (replica sets, pods, jobs) through ownerReferences. */
const OWNERS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/ReplicationController']);
const BUILTIN_GROUP = /^(|apps|batch|policy|autoscaling|[a-z0-9.-]+\.k8s\.io)$/;

/**
 * Foreground deletion for what owns other objects (and for custom resources, which may), so the
 * delete returns once their pods and jobs are gone too. Objects that own nothing go at once
 * (Background): with Foreground they would wait for a garbage-collector pass that deletes nothing
 * (over two minutes for 500 objects on a busy control plane).
 */
function propagationPolicy(group: string, kind: string): 'Foreground' | 'Background' {
  return OWNERS.has(`${group}/${kind}`) || !BUILTIN_GROUP.test(group) ? 'Foreground' : 'Background';
}

function identityProperties(object: any, target: Target): { [name: string]: any } {
  return {
    name: target.desired.name,
    ...(target.namespace ? { namespace: target.namespace } : {}),
    kind: target.desired.kind,
    api_version: target.resource.apiVersion,
    uid: object?.metadata?.uid ?? '',
    path: target.path,
    cluster: target.client.connection.server,
  };
}

/** True when the object recorded is not the one the definition names now (renamed, moved, other kind). */
function movedElsewhere(recorded: { readonly [name: string]: any }, target: Target): boolean {
  const recordedGroup = typeof recorded.api_version === 'string' ? splitApiVersion(recorded.api_version).group : target.desired.group;
  return recorded.name !== target.desired.name || (recorded.namespace ?? undefined) !== target.namespace || recorded.kind !== target.desired.kind || recordedGroup !== target.desired.group;
}

/**
 * API failures as the engine's error classes: what retrying can fix (unreachable, 429, 5xx, a
 * namespace not there yet) is recoverable; rejections of the object or the credentials are not.
 */
function classify(error: unknown, what: string): Error {
  if (error instanceof NonRecoverableError || error instanceof RecoverableError || isAbortError(error)) return error as Error;
  if (error instanceof KubernetesUnreachableError) return new RecoverableError(`${what}: ${error.message}`, { cause: error });
  if (!(error instanceof KubernetesApiError)) return error as Error;
  const body = error.body ?? {};
  const causes: any[] = body.details?.causes ?? [];
  if (error.status === 409 && causes.some((cause) => cause.reason === 'FieldManagerConflict')) {
    const fields = causes.map((cause) => `${cause.field ?? '?'} is managed by ${/"([^"]+)"/.exec(cause.message ?? '')?.[0] ?? 'another manager'}${/ using (\S+)/.exec(cause.message ?? '')?.[0] ?? ''}`);
    return new NonRecoverableError(
      `${what}: server-side apply conflicts with other field managers: ${fields.join('; ')}. hybrid changed nothing. ` +
        'To take these fields over, deploy with --force-conflicts (HYBRID_KUBERNETES_FORCE_CONFLICTS=1) or set forceConflicts on the construct; ' +
        'to leave them to the other manager, remove them from the definition.',
      { cause: error },
    );
  }
  if (error.status === 404 && /namespaces? "[^"]+" not found/.test(body.message ?? '')) {
    return new RecoverableError(`${what}: ${body.message} (yet)`, { cause: error });
  }
  if (error.status === 500 && /failed to create typed patch object/.test(error.message)) {
    return new NonRecoverableError(`${what}: the API server cannot apply this definition: ${body.message ?? error.message}`, { cause: error });
  }
  if (error.status === 429 || error.status >= 500) return new RecoverableError(`${what}: ${error.message}`, { cause: error, retryAfterMs: error.retryAfterMs });
  if (error.status === 401 || error.status === 403) return new NonRecoverableError(`${what}: the cluster refused the request (${error.status} ${error.reason}): ${body.message ?? ''}`, { cause: error });
  if (error.status === 422 && causes.length > 0) {
    return new NonRecoverableError(`${what} is invalid: ${causes.map((cause) => `${cause.field ?? ''}: ${cause.message ?? cause.reason}`).join('; ')}`, { cause: error });
  }
  return new NonRecoverableError(`${what}: ${body.message ?? error.message}`, { cause: error });
}
