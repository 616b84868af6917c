/**
 * When an object is ready, by kind, following `kubectl rollout status` (Deployment, StatefulSet,
 * DaemonSet) and kstatus (Pods, claims, Jobs, CRDs, custom resources with a Ready condition).
 * Pure functions of the object, so each is tested without a cluster.
 */

export interface Readiness {
  readonly ready: boolean;
  /** What it waits for, or what made it ready: shown as progress. */
  readonly message: string;
  /** Set when the object can no longer become ready (a failed Job, an exceeded progress deadline). */
  readonly failure?: string;
}

export interface ReadinessOptions {
  /** Wait for a LoadBalancer Service's ingress address. */
  readonly loadBalancer: boolean;
}

const ready = (message: string): Readiness => ({ ready: true, message });
const waiting = (message: string): Readiness => ({ ready: false, message });
const failed = (message: string): Readiness => ({ ready: false, message, failure: message });

function condition(object: any, type: string): any {
  return (object?.status?.conditions ?? []).find((candidate: any) => candidate?.type === type);
}

function generationObserved(object: any): Readiness | undefined {
  const generation = object?.metadata?.generation;
  const observed = object?.status?.observedGeneration;
  if (generation !== undefined && (observed === undefined || observed < generation)) return waiting(`waiting for the controller to observe generation ${generation}`);
  return undefined;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function readiness(group: string, kind: string, object: any, options: ReadinessOptions): Readiness {
  const status = object?.status ?? {};
  const spec = object?.spec ?? {};
  switch (`${group}/${kind}`) {
    case 'apps/Deployment': {
      if (spec.paused) return ready('paused');
      const unobserved = generationObserved(object);
      if (unobserved) return unobserved;
      const progressing = condition(object, 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded') return failed(`rollout exceeded its progress deadline: ${progressing.message}`);
      const replicas = spec.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      const available = status.availableReplicas ?? 0;
      if (updated < replicas) return waiting(`${updated} of ${plural(replicas, 'replica')} updated`);
      if ((status.replicas ?? 0) > updated) return waiting(`${plural((status.replicas ?? 0) - updated, 'old replica')} pending termination`);
      if (available < updated) return waiting(`${available} of ${plural(updated, 'updated replica')} available`);
      // Scaled down: the extra pods are still terminating.
      if ((status.replicas ?? 0) > replicas) return waiting(`${plural((status.replicas ?? 0) - replicas, 'extra replica')} pending termination`);
      return ready(`${plural(replicas, 'replica')} available`);
    }
    case 'apps/StatefulSet': {
      const unobserved = generationObserved(object);
      if (unobserved) return unobserved;
      const replicas = spec.replicas ?? 1;
      const readyReplicas = status.readyReplicas ?? 0;
      if (readyReplicas < replicas) return waiting(`${readyReplicas} of ${plural(replicas, 'replica')} ready`);
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
        if ((status.updatedReplicas ?? 0) < replicas - partition) return waiting(`${status.updatedReplicas ?? 0} of ${plural(replicas - partition, 'replica')} updated`);
        if (partition === 0 && status.updateRevision && status.currentRevision !== status.updateRevision) return waiting(`waiting for revision ${status.updateRevision} to roll out`);
      }
      return ready(`${plural(readyReplicas, 'replica')} ready`);
    }
    case 'apps/DaemonSet': {
      const unobserved = generationObserved(object);
      if (unobserved) return unobserved;
      const desired = status.desiredNumberScheduled ?? 0;
      if ((status.updatedNumberScheduled ?? 0) < desired) return waiting(`${status.updatedNumberScheduled ?? 0} of ${plural(desired, 'pod')} updated`);
      if ((status.numberAvailable ?? 0) < desired) return waiting(`${status.numberAvailable ?? 0} of ${plural(desired, 'pod')} available`);
      return ready(`${plural(desired, 'pod')} available`);
    }
    case 'apps/ReplicaSet': {
      const unobserved = generationObserved(object);
      if (unobserved) return unobserved;
      const replicas = spec.replicas ?? 1;
      if ((status.availableReplicas ?? 0) < replicas) return waiting(`${status.availableReplicas ?? 0} of ${plural(replicas, 'replica')} available`);
      return ready(`${plural(replicas, 'replica')} available`);
    }
    case '/Pod': {
      if (status.phase === 'Succeeded') return (spec.restartPolicy ?? 'Always') === 'Always' ? waiting('completed, waiting for a restart') : ready('completed');
      if (status.phase === 'Failed') return failed(`pod failed${status.reason ? `: ${status.reason}` : ''}${status.message ? ` (${status.message})` : ''}`);
      const podReady = condition(object, 'Ready');
      if (podReady?.status === 'True') return ready('ready');
      return waiting(podProblem(object) ?? `phase ${status.phase ?? 'Pending'}`);
    }
    case '/PersistentVolumeClaim':
      if (status.phase === 'Bound') return ready(`bound to ${spec.volumeName ?? 'a volume'}`);
      if (status.phase === 'Lost') return failed('the claim lost its volume');
      return waiting(`claim is ${status.phase ?? 'Pending'}`);
    case '/Service': {
      if (spec.type !== 'LoadBalancer' || !options.loadBalancer) return ready('created');
      const ingress = status.loadBalancer?.ingress ?? [];
      if (ingress.length > 0) return ready(`load balancer at ${ingress[0].ip ?? ingress[0].hostname}`);
      return waiting('waiting for the load balancer address');
    }
    case '/Namespace':
      return status.phase === 'Terminating' ? waiting('namespace is terminating') : ready('active');
    case 'batch/Job': {
      const complete = condition(object, 'Complete');
      if (complete?.status === 'True') return ready(`complete (${status.succeeded ?? 0} succeeded)`);
      const jobFailed = condition(object, 'Failed');
      if (jobFailed?.status === 'True') return failed(`job failed: ${jobFailed.reason ?? ''}${jobFailed.message ? ` (${jobFailed.message})` : ''}`);
      return waiting(`${status.active ?? 0} active, ${status.succeeded ?? 0} succeeded, ${status.failed ?? 0} failed`);
    }
    case 'apiextensions.k8s.io/CustomResourceDefinition': {
      const names = condition(object, 'NamesAccepted');
      if (names?.status === 'False') return failed(`names not accepted: ${names.message ?? names.reason}`);
      const established = condition(object, 'Established');
      return established?.status === 'True' ? ready('established') : waiting('waiting to be established');
    }
    default:
      return customReadiness(group, object);
  }
}

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io', 'certificates.k8s.io']);

/** A custom resource is ready when its controller says so (a Ready condition), if it has one. */
function customReadiness(group: string, object: any): Readiness {
  if (BUILTIN_GROUPS.has(group)) return ready('created');
  const readyCondition = condition(object, 'Ready');
  if (!readyCondition) return ready('created');
  const unobserved = generationObserved(object);
  if (unobserved) return unobserved;
  return readyCondition.status === 'True' ? ready('ready') : waiting(`Ready=${readyCondition.status}${readyCondition.reason ? ` (${readyCondition.reason})` : ''}`);
}

/**
 * Why a pod is not ready, as a person debugging it would say: its Ready condition, then each
 * unready container's state (the kubelet puts the specific reason there, not in the condition).
 */
export function podProblem(pod: any): string | undefined {
  const status = pod?.status ?? {};
  const parts: string[] = [];
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') parts.push(`PodScheduled=False (${scheduled.reason ?? ''}${scheduled.message ? `: ${scheduled.message}` : ''})`);
  const podReady = condition(pod, 'Ready');
  if (podReady && podReady.status !== 'True') parts.push(`Ready=${podReady.status} (${podReady.reason ?? ''}${podReady.message ? `: ${podReady.message}` : ''})`);
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    if (container.ready) continue;
    const state = container.state ?? {};
    if (state.waiting) parts.push(`container ${container.name} waiting: ${state.waiting.reason ?? ''}${state.waiting.message ? ` (${state.waiting.message})` : ''}`);
    else if (state.terminated && state.terminated.reason !== 'Completed') parts.push(`container ${container.name} terminated: ${state.terminated.reason ?? ''} exit code ${state.terminated.exitCode}`);
    else if (state.running) parts.push(`container ${container.name} running but not ready`);
    if ((container.restartCount ?? 0) > 0) parts.push(`${container.name} restarted ${plural(container.restartCount, 'time')}`);
  }
  if (parts.length === 0 && status.phase && status.phase !== 'Running') parts.push(`phase ${status.phase}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The label selector of the pods a workload owns, for diagnosing them; undefined for other kinds. */
export function podSelector(group: string, kind: string, object: any): string | undefined {
  if (!['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job'].includes(`${group}/${kind}`)) return undefined;
  const labels = object?.spec?.selector?.matchLabels ?? object?.spec?.template?.metadata?.labels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',');
}
