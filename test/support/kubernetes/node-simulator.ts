/**
 * Plays one node's kubelet, the scheduler and a volume provisioner through the Kubernetes API,
 * since no container runtime can run here. What each part follows in the real components is in
 * SPEC.md beside this file. It never runs anything and never sends traffic to the addresses it
 * reports: pod IPs and load balancer IPs are data only.
 */
import { KubernetesApi, KubernetesCredentials } from './kubernetes-api';

export const SIMULATOR_PROVISIONER = 'hybrid.test/node-simulator';
export const KUBELET_VERSION = 'v1.20.2';

export interface NodeSimulatorOptions {
  nodeName?: string;
  /** Extra node labels, on top of kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch. */
  labels?: Record<string, string>;
  capacity?: { cpu?: string; memory?: string; pods?: string; 'ephemeral-storage'?: string };
  /** How long pods whose restartPolicy is not Always run before they succeed (default 300 ms). */
  runToCompletionMs?: number;
  /** Delay between a pod starting and its containers becoming ready, like a readiness probe's first success (default 0). */
  readyAfterMs?: number;
  /** Give LoadBalancer Services an ingress IP (default false; see assignLoadBalancerIngress). */
  assignLoadBalancerIngress?: boolean;
  /** Full re-list and re-check of everything, to catch what a watch missed (default 2000 ms). */
  resyncMs?: number;
  /** Lease renewal period (the kubelet's is 10 s). */
  leaseRenewMs?: number;
}

export interface PodFailure {
  /** A pod name: exact when a string, else a pattern. */
  podName: string | RegExp;
  namespace?: string;
  /** The waiting container's reason (default CrashLoopBackOff). ImagePullBackOff, ErrImagePull, CreateContainerConfigError and ContainerCreating keep the pod Pending, as the kubelet does. */
  reason?: string;
  message?: string;
}

type Kind = 'pod' | 'claim' | 'volume' | 'service';

interface Informer {
  cache: Map<string, any>;
  synced: Promise<void>;
}

const PENDING_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'ContainerCreating', 'InvalidImageName']);

export class NodeSimulator {
  readonly nodeName: string;
  /** Errors met while reconciling; they are retried on the next resync. */
  readonly errors: Error[] = [];

  private readonly api: KubernetesApi;
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly informers = new Map<Kind, Informer>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly runAgain = new Set<string>();
  private readonly podIps = new Map<string, string>();
  private readonly loadBalancerIps = new Map<string, string>();
  private readonly failures: PodFailure[] = [];
  private nextPodIndex = 0;
  private nextLoadBalancerIndex = 0;
  private ready = true;
  private notReadyReason = { reason: 'KubeletNotReady', message: 'container runtime is down' };
  private loadBalancerIngress: boolean;
  private nodeUid = '';
  private stopped = false;

  static async start(credentials: KubernetesCredentials, options: NodeSimulatorOptions = {}): Promise<NodeSimulator> {
    const simulator = new NodeSimulator(credentials, options);
    try {
      await simulator.register();
      simulator.startInformers();
      await Promise.all([...simulator.informers.values()].map((informer) => informer.synced));
      return simulator;
    } catch (error) {
      await simulator.stop();
      throw error;
    }
  }

  private constructor(
    credentials: KubernetesCredentials,
    private readonly options: NodeSimulatorOptions,
  ) {
    this.nodeName = options.nodeName ?? 'hybrid-test-node';
    this.api = new KubernetesApi(credentials);
    this.loadBalancerIngress = options.assignLoadBalancerIngress ?? false;
  }

  /** Pods matching the rule never become Ready: their containers wait with the given reason. */
  failPods(failure: PodFailure): void {
    this.failures.push(failure);
    this.recheck('pod');
  }

  clearPodFailures(): void {
    this.failures.length = 0;
    this.recheck('pod');
  }

  /**
   * Reports the node NotReady (or Ready again). While NotReady, like a kubelet whose container
   * runtime is down, it binds no new pods, updates no pod status and finishes no pod deletion
   * (deleted pods stay Terminating); the lease is still renewed.
   */
  async setNodeReady(ready: boolean, reason?: string, message?: string): Promise<void> {
    this.ready = ready;
    if (!ready) this.notReadyReason = { reason: reason ?? 'KubeletNotReady', message: message ?? 'container runtime is down' };
    await this.reportNodeStatus();
    this.recheck('pod');
  }

  assignLoadBalancerIngress(enabled = true): void {
    this.loadBalancerIngress = enabled;
    this.recheck('service');
  }

  /** The IP this simulator gave a pod, by the pod's uid. */
  podIpOf(uid: string): string | undefined {
    return this.podIps.get(uid);
  }

  /** Stops watching and reconciling; leaves the Node object in place. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.inFlight.values()]);
    this.api.close();
  }

  // ---- node registration and heartbeat (kubelet) ----

  private async register(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: {
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'beta.kubernetes.io/arch': 'amd64',
          ...this.options.labels,
        },
      },
      spec: {},
    };
    let created = await this.api.post('/api/v1/nodes', node, { accept: (status) => status === 201 || status === 409 });
    if (created.statusCode === 409) created = await this.api.get(`/api/v1/nodes/${this.nodeName}`);
    this.nodeUid = created.body.metadata.uid;
    await this.reportNodeStatus();
    await this.renewLease();
    this.timers.push(setInterval(() => this.renewLease().catch((error) => this.recordError(error)), this.options.leaseRenewMs ?? 10000));
    this.timers.push(setInterval(() => this.reportNodeStatus().catch((error) => this.recordError(error)), 60000));
  }

  private async reportNodeStatus(): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const capacity = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi', ...this.options.capacity };
    const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    const current = await this.api.get(`/api/v1/nodes/${this.nodeName}`);
    const previous = new Map<string, any>((current.body.status?.conditions ?? []).map((entry: any) => [entry.type, entry]));
    const conditions = [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      this.ready
        ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
        : condition('Ready', 'False', this.notReadyReason.reason, this.notReadyReason.message),
    ].map((entry) => {
      const before = previous.get(entry.type);
      return before && before.status === entry.status ? { ...entry, lastTransitionTime: before.lastTransitionTime } : entry;
    });
    await this.api.patch(`/api/v1/nodes/${this.nodeName}/status`, {
      status: {
        capacity,
        allocatable: capacity,
        conditions,
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: this.nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: 'hybrid-test-machine',
          systemUUID: 'hybrid-test-system',
          bootID: 'hybrid-test-boot',
          kernelVersion: 'simulated',
          osImage: 'hybrid node simulator',
          containerRuntimeVersion: 'simulated://0',
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    });
  }

  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.nodeName}`;
    const renewTime = microTime(new Date());
    const patched = await this.api.patch(path, { spec: { holderIdentity: this.nodeName, renewTime } }, { accept: (status) => status === 200 || status === 404 });
    if (patched.statusCode === 404) {
      await this.api.post('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.nodeUid }],
        },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime },
      });
    }
  }

  // ---- watching ----

  private startInformers(): void {
    this.informers.set('pod', this.inform('pod', '/api/v1/pods'));
    this.informers.set('claim', this.inform('claim', '/api/v1/persistentvolumeclaims'));
    this.informers.set('volume', this.inform('volume', '/api/v1/persistentvolumes'));
    this.informers.set('service', this.inform('service', '/api/v1/services'));
    this.timers.push(setInterval(() => (['pod', 'claim', 'volume', 'service'] as Kind[]).forEach((kind) => this.recheck(kind)), this.options.resyncMs ?? 2000));
  }

  /** List, then watch from the list's resourceVersion; list again after any failure (the API server restarting, 410 Gone). */
  private inform(kind: Kind, path: string): Informer {
    const cache = new Map<string, any>();
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const loop = async () => {
      while (!this.abort.signal.aborted) {
        try {
          const list = await this.api.get(path);
          const seen = new Set<string>();
          for (const item of list.body.items) {
            const key = keyOf(item);
            seen.add(key);
            cache.set(key, item);
            this.schedule(kind, key);
          }
          for (const key of [...cache.keys()]) {
            if (!seen.has(key)) {
              cache.delete(key);
              this.schedule(kind, key);
            }
          }
          markSynced();
          let resourceVersion = list.body.metadata.resourceVersion;
          const watchAbort = new AbortController();
          const stopWatch = () => watchAbort.abort();
          this.abort.signal.addEventListener('abort', stopWatch);
          try {
            await this.api.watch(path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 240 }, (event) => {
              if (event.type === 'ERROR') {
                watchAbort.abort();
                return;
              }
              resourceVersion = event.object.metadata.resourceVersion;
              if (event.type === 'BOOKMARK') return;
              const key = keyOf(event.object);
              if (event.type === 'DELETED') cache.delete(key);
              else cache.set(key, event.object);
              this.schedule(kind, key);
            }, watchAbort.signal);
          } finally {
            this.abort.signal.removeEventListener('abort', stopWatch);
          }
        } catch (error) {
          if (!this.abort.signal.aborted) {
            this.recordError(error);
            await sleep(200);
          }
        }
      }
    };
    void loop();
    return { cache, synced };
  }

  private recheck(kind: Kind): void {
    const informer = this.informers.get(kind);
    if (!informer) return;
    for (const key of informer.cache.keys()) this.schedule(kind, key);
  }

  /** One reconcile at a time per object; a change seen meanwhile runs it once more afterwards. */
  private schedule(kind: Kind, key: string): void {
    if (this.stopped) return;
    const id = `${kind}:${key}`;
    if (this.inFlight.has(id)) {
      this.runAgain.add(id);
      return;
    }
    const work = (async () => {
      try {
        await this.reconcile(kind, key);
      } catch (error) {
        this.recordError(error);
      } finally {
        this.inFlight.delete(id);
        if (this.runAgain.delete(id)) this.schedule(kind, key);
      }
    })();
    this.inFlight.set(id, work);
  }

  private reconcile(kind: Kind, key: string): Promise<void> {
    const object = this.informers.get(kind)!.cache.get(key);
    switch (kind) {
      case 'pod':
        return this.reconcilePod(key, object);
      case 'claim':
        return object ? this.reconcileClaim(object) : Promise.resolve();
      case 'volume':
        return object ? this.reconcileVolume(object) : Promise.resolve();
      case 'service':
        return object ? this.reconcileService(object) : Promise.resolve();
    }
  }

  // ---- pods (scheduler binding, kubelet status and deletion) ----

  private async reconcilePod(key: string, pod: any): Promise<void> {
    if (!pod) return;
    const { namespace, name, uid } = pod.metadata;
    const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;

    if (pod.metadata.deletionTimestamp) {
      // The kubelet's final step once the containers are gone: delete with grace period 0.
      // A NotReady node's kubelet cannot stop containers, so its pods stay Terminating.
      if (pod.spec.nodeName === this.nodeName && this.ready) {
        await this.api.delete(podPath, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } }, { accept: (status) => status < 300 || status === 404 || status === 409 });
        this.podIps.delete(uid);
      }
      return;
    }

    if (!pod.spec.nodeName) {
      await this.schedulePod(pod, podPath);
      return;
    }
    if (pod.spec.nodeName !== this.nodeName || !this.ready) return;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;

    const desired = this.desiredPodStatus(pod);
    if (sameObservableStatus(pod.status ?? {}, desired)) return;
    await this.api.patch(`${podPath}/status`, { status: desired }, { accept: (status) => status < 300 || status === 404 });
    const finishIn = this.remainingRunTime(pod, desired);
    if (finishIn !== undefined) setTimeout(() => this.schedule('pod', key), finishIn + 10).unref();
    const readyIn = this.remainingTimeToReady(desired);
    if (readyIn !== undefined) setTimeout(() => this.schedule('pod', key), readyIn + 10).unref();
  }

  /** The default scheduler's part with a single node: honour nodeSelector, then bind. */
  private async schedulePod(pod: any, podPath: string): Promise<void> {
    if ((pod.spec.schedulerName ?? 'default-scheduler') !== 'default-scheduler') return;
    if (!this.ready) return;
    const nodeLabels = {
      'kubernetes.io/hostname': this.nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      ...this.options.labels,
    } as Record<string, string>;
    const selector: Record<string, string> = pod.spec.nodeSelector ?? {};
    if (Object.entries(selector).some(([label, value]) => nodeLabels[label] !== value)) {
      const scheduled = (pod.status?.conditions ?? []).find((condition: any) => condition.type === 'PodScheduled');
      if (scheduled?.reason === 'Unschedulable') return;
      await this.api.patch(`${podPath}/status`, {
        status: {
          conditions: [{
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: "0/1 nodes are available: 1 node(s) didn't match node selector.",
            lastProbeTime: null,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          }],
        },
      }, { accept: (status) => status < 300 || status === 404 });
      return;
    }
    await this.api.post(`${podPath}/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
    }, { accept: (status) => status < 300 || status === 404 || status === 409 });
  }

  private desiredPodStatus(pod: any): any {
    const now = new Date();
    const timestamp = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');
    const current = pod.status ?? {};
    const startTime: string = current.startTime ?? timestamp(now);
    const podIp = pod.spec.hostNetwork ? '127.0.0.1' : this.podIpFor(pod.metadata.uid);
    const failure = this.failureFor(pod);
    const runsToCompletion = (pod.spec.restartPolicy ?? 'Always') !== 'Always';
    const runningSince = Date.parse(startTime);
    const finished = runsToCompletion && now.getTime() - runningSince >= (this.options.runToCompletionMs ?? 300);
    const readyAt = runningSince + (this.options.readyAfterMs ?? 0);
    const containerId = (name: string) => `simulated://${pod.metadata.uid}/${name}`;
    const base = (container: any) => ({ name: container.name, image: container.image, imageID: `simulated://${container.image}`, restartCount: 0 });

    let phase: string;
    let containerStatuses: any[];
    if (failure && runsToCompletion) {
      phase = finished ? 'Failed' : 'Running';
      containerStatuses = pod.spec.containers.map((container: any) => finished
        ? { ...base(container), containerID: containerId(container.name), ready: false, started: false, state: { terminated: { exitCode: 1, reason: failure.reason ?? 'Error', message: failure.message, startedAt: startTime, finishedAt: timestamp(now), containerID: containerId(container.name) } }, lastState: {} }
        : { ...base(container), containerID: containerId(container.name), ready: false, started: true, state: { running: { startedAt: startTime } }, lastState: {} });
    } else if (failure) {
      const reason = failure.reason ?? 'CrashLoopBackOff';
      phase = PENDING_REASONS.has(reason) ? 'Pending' : 'Running';
      const message = failure.message ?? (reason === 'CrashLoopBackOff' ? 'back-off 10s restarting failed container' : undefined);
      containerStatuses = pod.spec.containers.map((container: any) => ({
        ...base(container),
        ready: false,
        started: false,
        restartCount: reason === 'CrashLoopBackOff' ? 1 : 0,
        state: { waiting: { reason, ...(message ? { message } : {}) } },
        lastState: reason === 'CrashLoopBackOff' ? { terminated: { exitCode: 1, reason: 'Error', startedAt: startTime, finishedAt: startTime, containerID: containerId(container.name) } } : {},
      }));
    } else if (finished) {
      phase = 'Succeeded';
      containerStatuses = pod.spec.containers.map((container: any) => ({
        ...base(container), containerID: containerId(container.name), ready: false, started: false,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: timestamp(now), containerID: containerId(container.name) } },
        lastState: {},
      }));
    } else {
      phase = 'Running';
      const ready = now.getTime() >= readyAt;
      containerStatuses = pod.spec.containers.map((container: any) => ({
        ...base(container), containerID: containerId(container.name), ready, started: true,
        state: { running: { startedAt: startTime } },
        lastState: {},
      }));
    }
    const initContainerStatuses = (pod.spec.initContainers ?? []).map((container: any) => ({
      ...base(container), containerID: containerId(container.name), ready: true,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime, containerID: containerId(container.name) } },
      lastState: {},
    }));

    const unready = containerStatuses.filter((status) => !status.ready).map((status) => status.name);
    const containersReady = unready.length === 0;
    // As the kubelet words them (pkg/kubelet/status/generate.go).
    const notReadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMessage = phase === 'Succeeded' || phase === 'Failed' ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    const previous = new Map<string, any>((current.conditions ?? []).map((condition: any) => [condition.type, condition]));
    const condition = (type: string, status: boolean, reason?: string, message?: string) => {
      const before = previous.get(type);
      const value = status ? 'True' : 'False';
      return {
        type,
        status: value,
        lastProbeTime: null,
        lastTransitionTime: before && before.status === value ? before.lastTransitionTime : timestamp(now),
        ...(status ? {} : { reason, message }),
      };
    };
    return {
      phase,
      hostIP: '127.0.0.1',
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime,
      qosClass: current.qosClass,
      conditions: [
        condition('Initialized', true),
        condition('Ready', containersReady, notReadyReason, notReadyMessage),
        condition('ContainersReady', containersReady, notReadyReason, notReadyMessage),
        condition('PodScheduled', true),
      ],
      containerStatuses,
      ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    };
  }

  private remainingRunTime(pod: any, status: any): number | undefined {
    if ((pod.spec.restartPolicy ?? 'Always') === 'Always' || status.phase !== 'Running') return undefined;
    return Math.max(0, Date.parse(status.startTime) + (this.options.runToCompletionMs ?? 300) - Date.now());
  }

  private remainingTimeToReady(status: any): number | undefined {
    const ready = status.conditions.find((condition: any) => condition.type === 'Ready');
    if (status.phase !== 'Running' || ready.status === 'True' || !this.options.readyAfterMs) return undefined;
    return Math.max(0, Date.parse(status.startTime) + this.options.readyAfterMs - Date.now());
  }

  private failureFor(pod: any): PodFailure | undefined {
    return this.failures.find((failure) =>
      (failure.namespace === undefined || failure.namespace === pod.metadata.namespace) &&
      (typeof failure.podName === 'string' ? failure.podName === pod.metadata.name : failure.podName.test(pod.metadata.name)));
  }

  private podIpFor(uid: string): string {
    let ip = this.podIps.get(uid);
    if (!ip) {
      const index = this.nextPodIndex++;
      ip = `10.244.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
      this.podIps.set(uid, ip);
    }
    return ip;
  }

  // ---- volumes (an external dynamic provisioner plus the PV controller's binding) ----

  private async reconcileClaim(claim: any): Promise<void> {
    if (claim.metadata.deletionTimestamp || (claim.status?.phase === 'Bound' && claim.spec.volumeName)) return;
    const { namespace, name, uid } = claim.metadata;
    const volumeName = claim.spec.volumeName || `pvc-${uid}`;
    if (!claim.spec.volumeName) {
      const storage = claim.spec.resources?.requests?.storage ?? '1Gi';
      await this.api.post('/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volumeName, annotations: { 'pv.kubernetes.io/provisioned-by': SIMULATOR_PROVISIONER } },
        spec: {
          capacity: { storage },
          accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: claim.spec.storageClassName ?? '',
          volumeMode: claim.spec.volumeMode ?? 'Filesystem',
          // Data only: nothing mounts it.
          hostPath: { path: `/tmp/hybrid-node-simulator/${volumeName}`, type: 'DirectoryOrCreate' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
        },
      }, { accept: (status) => status === 201 || status === 409 });
    }
    const volume = await this.api.get(`/api/v1/persistentvolumes/${volumeName}`, { accept: (status) => status === 200 || status === 404 });
    if (volume.statusCode === 404 || volume.body.spec.claimRef?.uid !== uid) return;
    if (volume.body.status?.phase !== 'Bound') {
      await this.api.patch(`/api/v1/persistentvolumes/${volumeName}/status`, { status: { phase: 'Bound' } });
    }
    const claimPath = `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`;
    if (!claim.spec.volumeName) {
      await this.api.patch(claimPath, { metadata: { uid }, spec: { volumeName } }, { accept: (status) => status < 300 || status === 404 || status === 409 });
    }
    await this.api.patch(`${claimPath}/status`, {
      status: { phase: 'Bound', accessModes: volume.body.spec.accessModes, capacity: volume.body.spec.capacity },
    }, { accept: (status) => status < 300 || status === 404 });
  }

  /** What an external provisioner does with a Released volume whose reclaim policy is Delete. */
  private async reconcileVolume(volume: any): Promise<void> {
    if (volume.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== SIMULATOR_PROVISIONER) return;
    if (volume.status?.phase !== 'Released' || volume.spec.persistentVolumeReclaimPolicy !== 'Delete' || volume.metadata.deletionTimestamp) return;
    await this.api.delete(`/api/v1/persistentvolumes/${volume.metadata.name}`, undefined, { accept: (status) => status < 300 || status === 404 });
  }

  // ---- services (a cloud load balancer controller) ----

  private async reconcileService(service: any): Promise<void> {
    if (!this.loadBalancerIngress || service.spec.type !== 'LoadBalancer' || service.metadata.deletionTimestamp) return;
    if ((service.status?.loadBalancer?.ingress ?? []).length > 0) return;
    let ip = this.loadBalancerIps.get(service.metadata.uid);
    if (!ip) {
      ip = `127.0.0.${100 + (this.nextLoadBalancerIndex++ % 150)}`;
      this.loadBalancerIps.set(service.metadata.uid, ip);
    }
    await this.api.patch(`/api/v1/namespaces/${service.metadata.namespace}/services/${service.metadata.name}/status`, {
      status: { loadBalancer: { ingress: [{ ip }] } },
    }, { accept: (status) => status < 300 || status === 404 });
  }

  private recordError(error: unknown): void {
    if (this.stopped) return;
    this.errors.push(error instanceof Error ? error : new Error(String(error)));
    if (this.errors.length > 100) this.errors.shift();
  }
}

/** Compares what the simulator decides, not timestamps, so that a resync does not rewrite an unchanged status. */
function sameObservableStatus(current: any, desired: any): boolean {
  const summary = (status: any) => JSON.stringify({
    phase: status.phase,
    podIP: status.podIP,
    hostIP: status.hostIP,
    conditions: (status.conditions ?? []).map((condition: any) => [condition.type, condition.status, condition.reason ?? '']).sort(),
    containers: (status.containerStatuses ?? []).map((container: any) => [container.name, container.ready, Object.keys(container.state ?? {})[0], Object.values(container.state ?? {}).map((state: any) => state?.reason ?? '')[0]]),
  });
  return summary(current) === summary(desired);
}

function keyOf(object: any): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

/** Kubernetes MicroTime wants exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
