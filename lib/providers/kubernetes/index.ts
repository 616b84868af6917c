/**
 * The `kubernetes` provider: any Kubernetes API object, applied with server-side apply, waited
 * for, deleted and read for drift (node types in lib/core/types/kubernetes.ts).
 */
import { Provider } from '../../engine/provider';
import { KubernetesOperations } from './operations';

export { FIELD_MANAGER, INSTANCE_ANNOTATION, MANAGED_BY_LABEL } from './manifest';
export { KubernetesOperations } from './operations';

export interface KubernetesProvider extends Provider {
  /** API requests sent so far by this provider (every attempt, watches included). */
  readonly requests: number;
}

export function kubernetesProvider(environment: NodeJS.ProcessEnv = process.env): KubernetesProvider {
  const operations = new KubernetesOperations(environment);
  return {
    name: 'kubernetes',
    operations: {
      'hybrid.kubernetes.resource.create': operations.create,
      'hybrid.kubernetes.resource.wait': operations.wait,
      'hybrid.kubernetes.resource.update': operations.update,
      'hybrid.kubernetes.resource.delete': operations.delete,
      'hybrid.kubernetes.resource.read': operations.read,
    },
    get requests() {
      return operations.requests;
    },
    async close() {
      operations.close();
    },
  };
}
