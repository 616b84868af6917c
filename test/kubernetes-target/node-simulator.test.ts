import { ControlPlane, startControlPlane } from '../support/kubernetes/control-plane';
import { eventually } from '../support/kubernetes/eventually';
import { KubernetesApi } from '../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../support/kubernetes/node-simulator';

const namespace = 'default';

function container(name = 'app') {
  return { name, image: 'registry.invalid/app:1' };
}

function deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container()] } },
    },
  };
}

function condition(object: any, type: string): any {
  return (object.status?.conditions ?? []).find((entry: any) => entry.type === type);
}

describe('the node simulator', () => {
  let controlPlane: ControlPlane;
  let api: KubernetesApi;
  let simulator: NodeSimulator;

  async function podsLabelled(app: string): Promise<any[]> {
    const response = await api.get(`/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: `app=${app}` } });
    return response.body.items;
  }

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    api = controlPlane.createApi();
    simulator = await NodeSimulator.start(controlPlane.credentials, { nodeName: 'simulated-node' });
  }, 150000);

  afterAll(async () => {
    await simulator?.stop();
    api?.close();
    await controlPlane?.stop();
  }, 30000);

  it('registers a Ready node with the loopback address', async () => {
    const node = (await api.get('/api/v1/nodes/simulated-node')).body;
    expect({ ready: condition(node, 'Ready')?.status, addresses: node.status.addresses }).toEqual({
      ready: 'True',
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'simulated-node' }],
    });
  });

  it('renews the node lease', async () => {
    const lease = (await api.get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/simulated-node')).body;
    expect(lease.spec.holderIdentity).toBe('simulated-node');
  });

  it("makes a Deployment's pods Running and Ready with distinct pod IPs", async () => {
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('web', 3));
    const pods = await eventually('three ready pods', async () => {
      const items = await podsLabelled('web');
      return items.length === 3 && items.every((pod) => condition(pod, 'Ready')?.status === 'True') && items;
    });
    expect({
      phases: pods.map((pod) => pod.status.phase),
      nodes: pods.map((pod) => pod.spec.nodeName),
      distinctIps: new Set(pods.map((pod) => pod.status.podIP)).size,
      ipsInPodRange: pods.every((pod) => /^10\.244\.\d+\.\d+$/.test(pod.status.podIP)),
    }).toEqual({ phases: ['Running', 'Running', 'Running'], nodes: ['simulated-node', 'simulated-node', 'simulated-node'], distinctIps: 3, ipsInPodRange: true });
  });

  it('lets the Deployment report all replicas available', async () => {
    const status = await eventually('the deployment to be available', async () => {
      const current = (await api.get('/apis/apps/v1/namespaces/default/deployments/web')).body.status;
      return current.availableReplicas === 3 && current;
    });
    expect(status.readyReplicas).toBe(3);
  });

  it("lets the Endpoints controller list the ready pods' IPs behind a Service", async () => {
    await api.post('/api/v1/namespaces/default/services', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const podIps = (await podsLabelled('web')).map((pod) => pod.status.podIP).sort();
    const endpointIps = await eventually('three endpoint addresses', async () => {
      const endpoints = (await api.get('/api/v1/namespaces/default/endpoints/web', { accept: () => true })).body;
      const addresses = (endpoints.subsets ?? []).flatMap((subset: any) => subset.addresses ?? []).map((address: any) => address.ip).sort();
      return addresses.length === 3 && addresses;
    });
    expect(endpointIps).toEqual(podIps);
  });

  it('finishes deleting a pod that is deleted gracefully', async () => {
    await api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'graceful', labels: { app: 'graceful' } }, spec: { containers: [container()] } });
    await eventually('the pod to run', async () => (await api.get('/api/v1/namespaces/default/pods/graceful')).body.status.phase === 'Running');
    await api.delete('/api/v1/namespaces/default/pods/graceful', { gracePeriodSeconds: 30 });
    const status = await eventually('the pod to be gone', async () => {
      const response = await api.get('/api/v1/namespaces/default/pods/graceful', { accept: () => true });
      return response.statusCode === 404 && response.statusCode;
    }, 10000);
    expect(status).toBe(404);
  });

  it("runs a Job's pod to Succeeded and the Job to complete", async () => {
    await api.post('/apis/batch/v1/namespaces/default/jobs', {
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } },
    });
    const job = await eventually('the job to complete', async () => {
      const current = (await api.get('/apis/batch/v1/namespaces/default/jobs/once')).body;
      return current.status?.succeeded === 1 && current;
    });
    expect(condition(job, 'Complete')?.status).toBe('True');
  });

  it('binds a pending PersistentVolumeClaim to a new hostPath volume', async () => {
    await api.post('/api/v1/namespaces/default/persistentvolumeclaims', {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
    const claim = await eventually('the claim to be bound', async () => {
      const current = (await api.get('/api/v1/namespaces/default/persistentvolumeclaims/data')).body;
      return current.status.phase === 'Bound' && current;
    });
    const volume = (await api.get(`/api/v1/persistentvolumes/${claim.spec.volumeName}`)).body;
    expect({
      volumePhase: volume.status.phase,
      claimRef: volume.spec.claimRef.name,
      capacity: claim.status.capacity.storage,
      hostPath: typeof volume.spec.hostPath.path,
    }).toEqual({ volumePhase: 'Bound', claimRef: 'data', capacity: '2Gi', hostPath: 'string' });
  });

  it('keeps a pod marked to fail not Ready, with the reason in its container status', async () => {
    simulator.failPods({ podName: /^broken-/, reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app' });
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('broken', 1));
    const pod = await eventually('the failing pod to report its reason', async () => {
      const [current] = await podsLabelled('broken');
      return current?.status?.containerStatuses?.[0]?.state?.waiting && current;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = (await api.get(`/api/v1/namespaces/default/pods/${pod.metadata.name}`)).body;
    expect({
      ready: condition(later, 'Ready').status,
      readyReason: condition(later, 'Ready').reason,
      waiting: later.status.containerStatuses[0].state.waiting,
    }).toEqual({
      ready: 'False',
      readyReason: 'ContainersNotReady',
      waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app' },
    });
  });

  it('gives a LoadBalancer Service an ingress IP when asked to', async () => {
    simulator.assignLoadBalancerIngress();
    await api.post('/api/v1/namespaces/default/services', { metadata: { name: 'public' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const ingress = await eventually('an ingress IP', async () => {
      const service = (await api.get('/api/v1/namespaces/default/services/public')).body;
      return service.status.loadBalancer?.ingress;
    });
    expect(ingress[0].ip).toMatch(/^127\.0\.0\.\d+$/);
  });

  it('reports the node NotReady when told to', async () => {
    await simulator.setNodeReady(false, 'KubeletNotReady', 'simulated outage');
    const node = (await api.get('/api/v1/nodes/simulated-node')).body;
    await simulator.setNodeReady(true);
    expect({ status: condition(node, 'Ready').status, message: condition(node, 'Ready').message }).toEqual({ status: 'False', message: 'simulated outage' });
  });

  it('finishes deleting a pod only once the node is Ready again', async () => {
    await api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'stuck' }, spec: { containers: [container()] } });
    await eventually('the pod to run', async () => (await api.get('/api/v1/namespaces/default/pods/stuck')).body.status.phase === 'Running');
    await simulator.setNodeReady(false);
    await api.delete('/api/v1/namespaces/default/pods/stuck');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const whileNotReady = (await api.get('/api/v1/namespaces/default/pods/stuck', { accept: () => true })).statusCode;
    await simulator.setNodeReady(true);
    const afterwards = await eventually('the pod to be gone', async () => {
      const response = await api.get('/api/v1/namespaces/default/pods/stuck', { accept: () => true });
      return response.statusCode === 404 && response.statusCode;
    });
    expect({ whileNotReady, afterwards }).toEqual({ whileNotReady: 200, afterwards: 404 });
  });

  it('lets a foreground deletion of a Deployment finish once its pods are gone', async () => {
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('foreground', 2));
    await eventually('two running pods', async () => (await podsLabelled('foreground')).filter((pod) => pod.status.phase === 'Running').length === 2);
    await api.delete('/apis/apps/v1/namespaces/default/deployments/foreground', { propagationPolicy: 'Foreground' });
    const remaining = await eventually('the deployment to be gone', async () => {
      const response = await api.get('/apis/apps/v1/namespaces/default/deployments/foreground', { accept: () => true });
      return response.statusCode === 404 && (await podsLabelled('foreground'));
    });
    expect(remaining).toEqual([]);
  });

  it('lets a namespace with running pods be deleted', async () => {
    await api.post('/api/v1/namespaces', { metadata: { name: 'doomed' } });
    await eventually('the default service account token in the new namespace', async () => {
      const account = await api.get('/api/v1/namespaces/doomed/serviceaccounts/default', { accept: () => true });
      return account.statusCode === 200 && (account.body.secrets?.length ?? 0) > 0;
    });
    // The namespace controller waits half the pods' grace period before checking again: keep it short.
    await api.post('/api/v1/namespaces/doomed/pods', { metadata: { name: 'resident' }, spec: { terminationGracePeriodSeconds: 1, containers: [container()] } });
    await eventually('the pod to run', async () => (await api.get('/api/v1/namespaces/doomed/pods/resident')).body.status.phase === 'Running');
    await api.delete('/api/v1/namespaces/doomed');
    const status = await eventually('the namespace to be gone', async () => {
      const response = await api.get('/api/v1/namespaces/doomed', { accept: () => true });
      return response.statusCode === 404 && response.statusCode;
    }, 30000);
    expect(status).toBe(404);
  }, 40000);

  it('met no error while doing all of the above', () => {
    expect(simulator.errors.map((error) => error.message)).toEqual([]);
  });

  it('goes on making new pods ready after the API server crashes and restarts', async () => {
    await controlPlane.restartApiServer();
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('after-restart', 1));
    const pod = await eventually('a ready pod', async () => {
      const [current] = await podsLabelled('after-restart');
      return condition(current ?? {}, 'Ready')?.status === 'True' && current;
    }, 30000);
    expect(pod.status.phase).toBe('Running');
  }, 150000);
});
