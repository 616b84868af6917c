import { Construct } from 'constructs';
import { invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { K8sContainer, K8sDaemonSetUpdateStrategy, K8sDeploymentStrategy, K8sStatefulSetUpdateStrategy, K8sVolume } from './api.generated';
import { K8sNamespacedOptions, K8sObject } from './object';
import { K8sMountOptions, K8sPodTemplateOptions, PodTemplate } from './pod';
import { K8sExposeProps, K8sService } from './service';
import { K8sStorageRequest, claimSpec } from './storage';
import { checkWhole } from '../../lib/core/validate';
import { checkLabelName } from './validate';

const K8S_WORKLOAD_BRAND = Symbol.for('hybrid.K8sWorkload');
/** The label that ties a workload to its pods (and a Service to them). */
export const WORKLOAD_LABEL = 'app.kubernetes.io/name';

/** Props of every workload: where it lives and its pod template. */
export interface K8sWorkloadProps extends K8sNamespacedOptions, K8sPodTemplateOptions {}

/**
 * A workload whose pods carry selector labels (Deployment, StatefulSet, DaemonSet): a Service
 * can select them (`expose`, or a K8sService's `selectFrom`).
 */
export abstract class K8sWorkload extends K8sObject {
  /** True for any K8sWorkload, even one made by another copy of this library. */
  public static isK8sWorkload(x: any): x is K8sWorkload {
    return typeof x === 'object' && x !== null && x[K8S_WORKLOAD_BRAND] === true;
  }

  /** The labels its pods carry and its selector matches: `app.kubernetes.io/name: <name>`. */
  public readonly selectorLabels: { [key: string]: string };
  private readonly pod: PodTemplate;
  private readonly namespaceOption?: K8sWorkloadProps['namespace'];

  protected constructor(scope: Construct, id: string, apiVersion: string, kind: string, props: K8sWorkloadProps) {
    super(scope, id, { ...props, definition: { apiVersion, kind } });
    Object.defineProperty(this, K8S_WORKLOAD_BRAND, { value: true });
    checkLabelName(this, 'name of a workload (it is also its pods\' label value)', this.objectName);
    this.selectorLabels = { [WORKLOAD_LABEL]: this.objectName };
    this.pod = new PodTemplate(this, props);
    this.namespaceOption = props.namespace;
  }

  /** Adds a container to the pods. */
  public addContainer(container: K8sContainer): void {
    this.pod.addContainer(container);
  }

  /** Adds a volume to the pods (mount it with a container's volumeMounts, or use `mountVolume`). */
  public addVolume(volume: K8sVolume): void {
    this.pod.addVolume(volume);
  }

  /** Adds a volume (e.g. `claim.volume()`) and mounts it at `mountPath` in a container (the first by default). */
  public mountVolume(volume: K8sVolume, mountPath: string, options: K8sMountOptions = {}): void {
    this.pod.mountVolume(volume, mountPath, options);
  }

  /** A Service in the same namespace and cluster that selects this workload's pods. */
  public expose(id: string, props: K8sExposeProps): K8sService {
    return new K8sService(this, id, { ...props, name: props.name ?? this.objectName, namespace: this.namespaceOption, cluster: this.cluster, selectFrom: this });
  }

  /** The pod template, for the kinds' bodies. */
  protected renderTemplate(mountableNames: string[] = []): { [key: string]: any } {
    return this.pod.render(this.selectorLabels, mountableNames);
  }
}

/** Props of a K8sDeployment. */
export interface K8sDeploymentProps extends K8sWorkloadProps {
  /** How many pods. @default 1 */
  readonly replicas?: number | Ref;
  /** How pods are replaced on a change. @default - a rolling update (25% surge, 25% unavailable) */
  readonly strategy?: K8sDeploymentStrategy;
  /** Seconds a new pod must be ready before it counts as available. @default 0 */
  readonly minReadySeconds?: number;
  /** Seconds after which a rollout that makes no progress fails the deploy. @default 600 */
  readonly progressDeadlineSeconds?: number;
}

/** A Deployment: stateless pods, rolled out and waited for until every replica is available. */
export class K8sDeployment extends K8sWorkload {
  private readonly replicas: number | Ref;
  private readonly extraSpec: { [key: string]: any } = {};

  constructor(scope: Construct, id: string, props: K8sDeploymentProps) {
    super(scope, id, 'apps/v1', 'Deployment', props);
    checkWhole(this, 'replicas', props.replicas, 0);
    checkWhole(this, 'minReadySeconds', props.minReadySeconds, 0);
    checkWhole(this, 'progressDeadlineSeconds', props.progressDeadlineSeconds, 1);
    this.replicas = props.replicas ?? 1;
    if (props.strategy !== undefined) this.extraSpec.strategy = props.strategy;
    if (props.minReadySeconds !== undefined) this.extraSpec.minReadySeconds = props.minReadySeconds;
    if (props.progressDeadlineSeconds !== undefined) this.extraSpec.progressDeadlineSeconds = props.progressDeadlineSeconds;
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: { replicas: this.replicas, selector: { matchLabels: { ...this.selectorLabels } }, ...this.extraSpec, template: this.renderTemplate() } };
  }
}

/** A volume claim made per pod of a StatefulSet. */
export interface K8sClaimTemplate extends K8sStorageRequest {
  /** The claim's name, also the volume name containers mount (`volumeMounts: [{ name, mountPath }]`). */
  readonly name: string;
}

/** Props of a K8sStatefulSet. */
export interface K8sStatefulSetProps extends K8sWorkloadProps {
  /** The headless Service that gives the pods stable DNS names: a K8sService or its name. */
  readonly serviceName: string | K8sService;
  /** How many pods. @default 1 */
  readonly replicas?: number | Ref;
  /** Claims made for each pod, kept when pods move. @default - none */
  readonly volumeClaimTemplates?: K8sClaimTemplate[];
  /** `OrderedReady` (one pod at a time) or `Parallel`. @default 'OrderedReady' */
  readonly podManagementPolicy?: string;
  /** How pods are replaced on a change. @default - a rolling update */
  readonly updateStrategy?: K8sStatefulSetUpdateStrategy;
}

/** A StatefulSet: pods with stable names and their own volumes, ready when every replica is ready and updated. */
export class K8sStatefulSet extends K8sWorkload {
  private readonly replicas: number | Ref;
  private readonly serviceName: string;
  private readonly claimTemplates: Array<{ [key: string]: any }>;
  private readonly extraSpec: { [key: string]: any } = {};

  constructor(scope: Construct, id: string, props: K8sStatefulSetProps) {
    super(scope, id, 'apps/v1', 'StatefulSet', props);
    checkWhole(this, 'replicas', props.replicas, 0);
    this.replicas = props.replicas ?? 1;
    if (K8sObject.isK8sObject(props.serviceName)) {
      this.serviceName = props.serviceName.objectName;
      this.dependsOn(props.serviceName);
    } else {
      checkLabelName(this, 'serviceName', props.serviceName, { startWithLetter: true });
      this.serviceName = props.serviceName;
    }
    this.claimTemplates = (props.volumeClaimTemplates ?? []).map((template, index) => {
      checkLabelName(this, `volumeClaimTemplates[${index}].name`, template?.name);
      return { metadata: { name: template.name }, spec: claimSpec(this, `volumeClaimTemplates[${index}].`, template) };
    });
    if (props.podManagementPolicy !== undefined) {
      if (!['OrderedReady', 'Parallel'].includes(props.podManagementPolicy)) throw invalidProps(this, `podManagementPolicy must be 'OrderedReady' or 'Parallel', got ${describeValue(props.podManagementPolicy)}`);
      this.extraSpec.podManagementPolicy = props.podManagementPolicy;
    }
    if (props.updateStrategy !== undefined) this.extraSpec.updateStrategy = props.updateStrategy;
  }

  protected override renderBody(): { [key: string]: any } {
    const claimNames = this.claimTemplates.map((template) => template.metadata.name as string);
    return {
      spec: {
        serviceName: this.serviceName,
        replicas: this.replicas,
        selector: { matchLabels: { ...this.selectorLabels } },
        ...this.extraSpec,
        template: this.renderTemplate(claimNames),
        ...(this.claimTemplates.length > 0 ? { volumeClaimTemplates: this.claimTemplates } : {}),
      },
    };
  }
}

/** Props of a K8sDaemonSet. */
export interface K8sDaemonSetProps extends K8sWorkloadProps {
  /** How pods are replaced on a change. @default - a rolling update, one node at a time */
  readonly updateStrategy?: K8sDaemonSetUpdateStrategy;
}

/** A DaemonSet: one pod on every (matching) node, ready when each of them is available. */
export class K8sDaemonSet extends K8sWorkload {
  private readonly updateStrategy?: K8sDaemonSetUpdateStrategy;

  constructor(scope: Construct, id: string, props: K8sDaemonSetProps) {
    super(scope, id, 'apps/v1', 'DaemonSet', props);
    this.updateStrategy = props.updateStrategy;
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: { selector: { matchLabels: { ...this.selectorLabels } }, ...(this.updateStrategy ? { updateStrategy: this.updateStrategy } : {}), template: this.renderTemplate() } };
  }
}

/** How a Job's pods are restarted. */
export enum K8sRestartPolicy {
  /** A failed pod is replaced by a new one (counted against backoffLimit). */
  NEVER = 'Never',
  /** A failed container restarts in the same pod. */
  ON_FAILURE = 'OnFailure',
}

/** What a Job (or each run of a CronJob) does. */
export interface K8sJobOptions extends K8sPodTemplateOptions {
  /** Retries before the Job fails. @default 6 */
  readonly backoffLimit?: number;
  /** Successful pods needed. @default 1 */
  readonly completions?: number;
  /** Pods run at once. @default 1 */
  readonly parallelism?: number;
  /** Seconds the Job may run before it is failed. @default - no limit */
  readonly activeDeadlineSeconds?: number;
  /** Seconds after finishing before the Job is deleted by the cluster. @default - kept */
  readonly ttlSecondsAfterFinished?: number;
  /** How failed pods are restarted. @default K8sRestartPolicy.NEVER */
  readonly restartPolicy?: K8sRestartPolicy;
}

function jobSpec(node: K8sObject, options: K8sJobOptions, template: PodTemplate): { [key: string]: any } {
  for (const name of ['backoffLimit', 'completions', 'parallelism', 'ttlSecondsAfterFinished'] as const) checkWhole(node, name, options[name], 0);
  checkWhole(node, 'activeDeadlineSeconds', options.activeDeadlineSeconds, 1);
  if (options.restartPolicy !== undefined && !Object.values(K8sRestartPolicy).includes(options.restartPolicy)) {
    throw invalidProps(node, `restartPolicy must be a K8sRestartPolicy value (Never or OnFailure), got ${describeValue(options.restartPolicy)}`);
  }
  const spec: { [key: string]: any } = {};
  for (const name of ['backoffLimit', 'completions', 'parallelism', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished'] as const) if (options[name] !== undefined) spec[name] = options[name];
  // Jobs select their pods by a generated controller-uid label: no selector of hybrid's.
  return { ...spec, template: template.render({}) };
}

/** Props of a K8sJob. */
export interface K8sJobProps extends K8sNamespacedOptions, K8sJobOptions {}

/**
 * A Job: pods run to completion; the deploy waits until it is complete and fails with the Job if
 * it fails. A Job's pod template cannot change, so a changed Job is deleted and run again.
 */
export class K8sJob extends K8sObject {
  private readonly spec: { [key: string]: any };

  constructor(scope: Construct, id: string, props: K8sJobProps) {
    super(scope, id, { ...props, definition: { apiVersion: 'batch/v1', kind: 'Job' } });
    this.spec = jobSpec(this, props, new PodTemplate(this, props, { restartPolicy: props.restartPolicy ?? K8sRestartPolicy.NEVER }));
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: this.spec };
  }
}

/** Props of a K8sCronJob. */
export interface K8sCronJobProps extends K8sNamespacedOptions, K8sJobOptions {
  /** When to run, in cron format (`0 3 * * *`). */
  readonly schedule: string;
  /** `Allow`, `Forbid` or `Replace` runs that overlap. @default 'Allow' */
  readonly concurrencyPolicy?: string;
  /** Stop scheduling runs. @default false */
  readonly suspend?: boolean;
  /** Finished runs kept. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed runs kept. @default 1 */
  readonly failedJobsHistoryLimit?: number;
  /** Seconds after its time a missed run may still start. @default - no deadline */
  readonly startingDeadlineSeconds?: number;
}

/**
 * A CronJob: a Job run on a schedule. Written as batch/v1; on clusters older than 1.21, which
 * serve CronJob only as batch/v1beta1 (same fields), the provider applies it as that.
 */
export class K8sCronJob extends K8sObject {
  private readonly spec: { [key: string]: any };

  constructor(scope: Construct, id: string, props: K8sCronJobProps) {
    super(scope, id, { ...props, definition: { apiVersion: 'batch/v1', kind: 'CronJob' } });
    if (typeof props.schedule !== 'string' || (props.schedule.trim().split(/\s+/).length !== 5 && !props.schedule.startsWith('@'))) {
      throw invalidProps(this, `schedule must be a cron expression with five fields ('0 3 * * *') or a macro ('@daily'), got ${describeValue(props.schedule)}`);
    }
    if (props.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(props.concurrencyPolicy)) {
      throw invalidProps(this, `concurrencyPolicy must be 'Allow', 'Forbid' or 'Replace', got ${describeValue(props.concurrencyPolicy)}`);
    }
    for (const name of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) checkWhole(this, name, props[name], 0);
    checkWhole(this, 'startingDeadlineSeconds', props.startingDeadlineSeconds, 1);
    const job = jobSpec(this, props, new PodTemplate(this, props, { restartPolicy: props.restartPolicy ?? K8sRestartPolicy.ON_FAILURE }));
    this.spec = { schedule: props.schedule };
    for (const name of ['concurrencyPolicy', 'suspend', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'startingDeadlineSeconds'] as const) {
      if (props[name] !== undefined) this.spec[name] = props[name];
    }
    this.spec.jobTemplate = { spec: job };
  }

  protected override renderBody(): { [key: string]: any } {
    return { spec: this.spec };
  }
}
