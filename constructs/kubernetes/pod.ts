/**
 * The pod template every workload kind shares (Deployment, StatefulSet, DaemonSet, Job,
 * CronJob): containers, volumes and the pod-level settings people set most, checked when the
 * construct is created.
 */
import { invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { K8sAffinity, K8sContainer, K8sPodSecurityContext, K8sToleration, K8sVolume, K8sVolumeMount } from './api.generated';
import { K8sObject } from './object';
import { checkPort, checkStringMap, checkWhole } from '../../lib/core/validate';
import { LABEL_KEYS, LABEL_VALUES, checkLabelName } from './validate';

/** The pod template of a workload. */
export interface K8sPodTemplateOptions {
  /** The containers; at least one. */
  readonly containers: K8sContainer[];
  /** Containers run to completion, in order, before the others start. @default - none */
  readonly initContainers?: K8sContainer[];
  /** Volumes the containers mount (e.g. `claim.volume()`, `secret.volume()`). @default - none */
  readonly volumes?: K8sVolume[];
  /** The service account the pods run as (a K8sServiceAccount's name, or any name). @default - the namespace's `default` account */
  readonly serviceAccountName?: string;
  /** Labels of the pods, on top of the selector labels. @default - the selector labels only */
  readonly podLabels?: { [key: string]: string };
  /** Annotations of the pods. @default - none */
  readonly podAnnotations?: { [key: string]: string | Ref };
  /** Only nodes with these labels run the pods. @default - any node */
  readonly nodeSelector?: { [key: string]: string };
  /** Taints the pods tolerate. @default - none */
  readonly tolerations?: K8sToleration[];
  /** Node and pod affinity. @default - none */
  readonly affinity?: K8sAffinity;
  /** Pod-level security settings. @default - none */
  readonly securityContext?: K8sPodSecurityContext;
  /** Names of Secrets for pulling images from private registries. @default - none */
  readonly imagePullSecrets?: string[];
  /** Run in the node's network namespace. @default false */
  readonly hostNetwork?: boolean;
  /** Seconds a pod gets to stop before it is killed. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

/** Where `mountVolume` mounts a volume. */
export interface K8sMountOptions {
  /** The container. @default - the first container */
  readonly containerName?: string;
  /** Mount it read-only. @default false */
  readonly readOnly?: boolean;
  /** A path inside the volume to mount instead of its root. @default - the volume's root */
  readonly subPath?: string;
}

/** A pod template being built: its containers, volumes and settings, checked as they are added. */
export class PodTemplate {
  private readonly containers: K8sContainer[] = [];
  private readonly initContainers: K8sContainer[] = [];
  private readonly volumes: K8sVolume[] = [];
  private readonly extraMounts: Array<{ readonly container: string; readonly mount: K8sVolumeMount }> = [];
  private readonly settings: { [key: string]: any } = {};
  private readonly labels: { [key: string]: string };
  private readonly annotations: { [key: string]: string | Ref };

  constructor(private readonly owner: K8sObject, options: K8sPodTemplateOptions, defaults: { [key: string]: any } = {}) {
    if (!Array.isArray(options.containers) || options.containers.length === 0) {
      throw invalidProps(owner, `containers must be a list of at least one container ({ name, image, ... }), got ${describeValue(options.containers)}`);
    }
    for (const container of options.containers) this.addContainer(container);
    for (const container of options.initContainers ?? []) this.addContainer(container, true);
    for (const volume of options.volumes ?? []) this.addVolume(volume);
    checkStringMap(owner, 'podLabels', options.podLabels, { keys: LABEL_KEYS, values: LABEL_VALUES });
    checkStringMap(owner, 'podAnnotations', options.podAnnotations, { keys: LABEL_KEYS });
    checkStringMap(owner, 'nodeSelector', options.nodeSelector, { keys: LABEL_KEYS, values: LABEL_VALUES });
    checkWhole(owner, 'terminationGracePeriodSeconds', options.terminationGracePeriodSeconds, 0);
    if (options.serviceAccountName !== undefined) checkLabelName(owner, 'serviceAccountName', options.serviceAccountName);
    this.labels = { ...(options.podLabels ?? {}) };
    this.annotations = { ...(options.podAnnotations ?? {}) };
    Object.assign(this.settings, defaults);
    const optional: Array<[string, unknown]> = [
      ['serviceAccountName', options.serviceAccountName],
      ['nodeSelector', options.nodeSelector],
      ['tolerations', options.tolerations],
      ['affinity', options.affinity],
      ['securityContext', options.securityContext],
      ['imagePullSecrets', options.imagePullSecrets?.map((name) => ({ name }))],
      ['hostNetwork', options.hostNetwork],
      ['terminationGracePeriodSeconds', options.terminationGracePeriodSeconds],
    ];
    for (const [name, value] of optional) if (value !== undefined) this.settings[name] = value;
  }

  public addContainer(container: K8sContainer, init = false): void {
    const what = init ? 'initContainers' : 'containers';
    if (typeof container !== 'object' || container === null) throw invalidProps(this.owner, `${what} entries must be containers ({ name, image, ... }), got ${describeValue(container)}`);
    checkLabelName(this.owner, `${what} name`, container.name);
    if (!Ref.isRef(container.image) && (typeof container.image !== 'string' || container.image.trim() === '')) {
      throw invalidProps(this.owner, `container ${container.name} needs an image (e.g. 'nginx:1.25'), got ${describeValue(container.image)}`);
    }
    if ([...this.containers, ...this.initContainers].some((other) => other.name === container.name)) {
      throw invalidProps(this.owner, `two containers are named ${JSON.stringify(container.name)}; container names must be unique in a pod`);
    }
    for (const port of container.ports ?? []) checkPort(this.owner, `container ${container.name} port`, port.containerPort);
    (init ? this.initContainers : this.containers).push(container);
  }

  public addVolume(volume: K8sVolume): void {
    if (typeof volume !== 'object' || volume === null) throw invalidProps(this.owner, `volumes entries must be volumes ({ name, ... }), got ${describeValue(volume)}`);
    checkLabelName(this.owner, 'volume name', volume.name);
    const existing = this.volumes.find((other) => other.name === volume.name);
    if (existing && JSON.stringify(existing) === JSON.stringify(volume)) return;
    if (existing) throw invalidProps(this.owner, `two different volumes are named ${JSON.stringify(volume.name)}`);
    this.volumes.push(volume);
  }

  /** Adds the volume (if it is not there yet) and mounts it at `mountPath` in a container. */
  public mountVolume(volume: K8sVolume, mountPath: string, options: K8sMountOptions = {}): void {
    this.addVolume(volume);
    if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) throw invalidProps(this.owner, `mountPath must be an absolute path, got ${describeValue(mountPath)}`);
    // Container names were checked to be literal strings when the containers were added.
    const container = (options.containerName ?? this.containers[0].name) as string;
    if (!this.containers.some((candidate) => candidate.name === container)) {
      throw invalidProps(this.owner, `there is no container ${JSON.stringify(container)} to mount ${volume.name} in (containers: ${this.containers.map((c) => c.name).join(', ')})`);
    }
    this.extraMounts.push({ container, mount: { name: volume.name, mountPath, ...(options.readOnly ? { readOnly: true } : {}), ...(options.subPath ? { subPath: options.subPath } : {}) } });
  }

  /** The template as the API takes it, with `selectorLabels` on the pods. */
  public render(selectorLabels: { [key: string]: string }, mountableNames: ReadonlyArray<string> = []): { [key: string]: any } {
    const containers = this.containers.map((container) => {
      const mounts = this.extraMounts.filter((entry) => entry.container === container.name).map((entry) => entry.mount);
      return mounts.length > 0 ? { ...container, volumeMounts: [...(container.volumeMounts ?? []), ...mounts] } : { ...container };
    });
    const known = new Set([...this.volumes.map((volume) => volume.name), ...mountableNames]);
    for (const container of [...containers, ...this.initContainers]) {
      for (const mount of container.volumeMounts ?? []) {
        if (!known.has(mount.name as string)) {
          throw invalidProps(this.owner, `container ${container.name} mounts volume ${JSON.stringify(mount.name)}, which the pod does not have (volumes: ${[...known].join(', ') || 'none'})`);
        }
      }
    }
    const labels = { ...this.labels, ...selectorLabels };
    return {
      metadata: { labels, ...(Object.keys(this.annotations).length > 0 ? { annotations: { ...this.annotations } } : {}) },
      spec: {
        ...this.settings,
        ...(this.initContainers.length > 0 ? { initContainers: [...this.initContainers] } : {}),
        containers,
        ...(this.volumes.length > 0 ? { volumes: [...this.volumes] } : {}),
      },
    };
  }
}
