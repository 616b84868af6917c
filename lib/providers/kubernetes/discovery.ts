/**
 * API discovery: which URL serves a kind, whether it is namespaced, and which version of it
 * the cluster serves. One request per group version and run, cached. A kind whose group version
 * the cluster does not serve is looked up in the versions known to have the same schema
 * (CronJob is batch/v1 from Kubernetes 1.21 and batch/v1beta1 before), so one definition works
 * on old and new clusters.
 */
import { NonRecoverableError, RecoverableError } from '../../engine/provider';
import { KubernetesApiError, KubernetesClient, sleep } from './client';

/** Where a kind lives on this cluster. */
export interface ResourceInfo {
  /** The apiVersion the cluster serves the kind at (may differ from the definition's, see above). */
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * Versions with the same schema for a kind, newest first, by `group/kind`. Only pairs whose
 * fields hybrid's constructs use identically belong here.
 */
const EQUIVALENT_VERSIONS: { readonly [groupKind: string]: ReadonlyArray<string> } = {
  'batch/CronJob': ['v1', 'v1beta1'],
  'policy/PodDisruptionBudget': ['v1', 'v1beta1'],
};

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The URL path of a collection (`/apis/apps/v1/namespaces/web/deployments`). */
export function collectionPath(resource: ResourceInfo, namespace: string | undefined): string {
  const prefix = resource.group === '' ? `/api/${resource.apiVersion}` : `/apis/${resource.apiVersion}`;
  return resource.namespaced ? `${prefix}/namespaces/${encodeURIComponent(namespace ?? 'default')}/${resource.plural}` : `${prefix}/${resource.plural}`;
}

export function objectPath(resource: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

export class Discovery {
  private readonly groupVersions = new Map<string, Promise<ReadonlyArray<ApiResource> | undefined>>();

  constructor(private readonly client: KubernetesClient) {}

  /** Where `kind` of `apiVersion` is served; retries a few times for kinds a CRD is about to add. */
  public async resource(apiVersion: string, kind: string, signal: AbortSignal): Promise<ResourceInfo> {
    const { group, version } = splitApiVersion(apiVersion);
    const candidates = [version, ...(EQUIVALENT_VERSIONS[`${group}/${kind}`] ?? []).filter((other) => other !== version)];
    for (let attempt = 0; attempt < 4; attempt++) {
      for (const candidate of candidates) {
        const groupVersion = group === '' ? candidate : `${group}/${candidate}`;
        const resources = await this.list(groupVersion);
        const match = resources?.find((resource) => resource.kind === kind && !resource.name.includes('/'));
        if (match) return { apiVersion: groupVersion, group, kind, plural: match.name, namespaced: match.namespaced };
      }
      // A CustomResourceDefinition established a moment ago may not be in discovery yet.
      for (const candidate of candidates) this.groupVersions.delete(group === '' ? candidate : `${group}/${candidate}`);
      if (attempt < 3) await sleep(500 * 2 ** attempt, signal);
    }
    const served = candidates.map((candidate) => (group === '' ? candidate : `${group}/${candidate}`)).join(' or ');
    throw new RecoverableError(`the cluster serves no kind ${kind} in ${served} (if it is a custom resource, is its CustomResourceDefinition installed?)`);
  }

  /** Shared by concurrent operations, so not tied to any one operation's abort signal. */
  private list(groupVersion: string): Promise<ReadonlyArray<ApiResource> | undefined> {
    let cached = this.groupVersions.get(groupVersion);
    if (!cached) {
      const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
      cached = this.client.request('GET', path).then(
        (response) => (Array.isArray(response.body?.resources) ? response.body.resources : []),
        (error) => {
          if (error instanceof KubernetesApiError && error.status === 404) return undefined;
          if (error instanceof KubernetesApiError && (error.status === 401 || error.status === 403)) {
            throw new NonRecoverableError(`${this.client.connection.source} was refused by ${this.client.connection.server} (${error.status} ${error.reason}): check its credentials`, { cause: error });
          }
          throw error;
        },
      );
      this.groupVersions.set(groupVersion, cached);
      // A failed lookup is not remembered: the next operation asks again.
      cached.catch(() => this.groupVersions.delete(groupVersion));
    }
    return cached;
  }
}
