import { NodeTypeDefinition, TypesDocument } from './schema';

/** The generic Kubernetes object type every kind-specific type derives from. */
export const KUBERNETES_RESOURCE_TYPE = 'hybrid.nodes.kubernetes.Resource';

/**
 * Kinds with a node type of their own (`hybrid.nodes.kubernetes.<Kind>`), like the Cloudify
 * Kubernetes plugin's `cloudify.nodes.kubernetes.resources.<Kind>`. They behave exactly like
 * the generic Resource; the name only makes a blueprint easier to read.
 */
export const KUBERNETES_KINDS: ReadonlyArray<string> = [
  'Namespace', 'CustomResourceDefinition', 'Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Service', 'Endpoints', 'ConfigMap',
  'Secret', 'PersistentVolumeClaim', 'Ingress', 'Job', 'CronJob', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole',
  'ClusterRoleBinding',
];

const resource: NodeTypeDefinition = {
  derived_from: 'cloudify.nodes.Root',
  description:
    'Any Kubernetes API object, applied with server-side apply (field manager `hybrid`), waited for until ready, ' +
    'deleted with foreground propagation, and read back for drift.',
  properties: {
    definition: {
      type: 'dict',
      required: true,
      description: 'The object as the Kubernetes API takes it: apiVersion, kind, metadata (name, namespace, labels, annotations), spec or data.',
    },
    client_config: {
      type: 'dict',
      default: {},
      description:
        'How to reach the cluster: `kubeconfig` (the content, e.g. a secret attribute of a cluster node), `kubeconfig_path`, ' +
        '`context`, `in_cluster: true`. Empty means KUBECONFIG, then ~/.kube/config, then the in-cluster service account.',
    },
    wait: {
      type: 'dict',
      default: {},
      description:
        '`ready` (default true): wait until the object is ready (rollout complete, pods ready, claim bound, job complete); ' +
        '`timeout` (seconds, default 300) for that wait and for deletion; `load_balancer` (default false): also wait for a ' +
        'Service\'s load-balancer address.',
    },
    force_conflicts: {
      type: 'boolean',
      default: false,
      description: 'Take over fields that another field manager owns instead of failing with the conflict (also HYBRID_KUBERNETES_FORCE_CONFLICTS=1).',
    },
    generate: {
      type: 'dict',
      default: {},
      description: 'Secrets only: keys whose values are generated at random on first apply and kept afterwards, with their length (`{ password: 32 }`).',
    },
  },
  interfaces: {
    'cloudify.interfaces.lifecycle': {
      create: 'hybrid.kubernetes.resource.create',
      start: 'hybrid.kubernetes.resource.wait',
      update: 'hybrid.kubernetes.resource.update',
      delete: 'hybrid.kubernetes.resource.delete',
      check_drift: 'hybrid.kubernetes.resource.read',
    },
  },
};

function kindTypes(): { [name: string]: NodeTypeDefinition } {
  const types: { [name: string]: NodeTypeDefinition } = {};
  for (const kind of KUBERNETES_KINDS) {
    types[`hybrid.nodes.kubernetes.${kind}`] = { derived_from: KUBERNETES_RESOURCE_TYPE, description: `A Kubernetes ${kind}.` };
  }
  return types;
}

/** The node type of an object of `kind`: its own type when it has one, else the generic Resource. */
export function kubernetesNodeType(kind: string): string {
  return KUBERNETES_KINDS.includes(kind) ? `hybrid.nodes.kubernetes.${kind}` : KUBERNETES_RESOURCE_TYPE;
}

/** Node types of the kubernetes provider: API objects on a cluster. */
export const KUBERNETES_TYPES: TypesDocument = {
  node_types: {
    [KUBERNETES_RESOURCE_TYPE]: resource,
    ...kindTypes(),
  },
};
