import { podProblem, podSelector, readiness } from '../../../lib/providers/kubernetes/readiness';

const options = { loadBalancer: false };

describe('Deployment readiness (kubectl rollout status)', () => {
  const deployment = (status: object, spec: object = {}, generation = 2) => ({ metadata: { generation }, spec: { replicas: 3, ...spec }, status: { observedGeneration: 2, ...status } });

  test('a Deployment whose controller has not seen its generation is not ready', () => {
    expect(readiness('apps', 'Deployment', deployment({ observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), options).message).toBe('waiting for the controller to observe generation 2');
  });

  test('a Deployment with old replicas still running is not ready', () => {
    expect(readiness('apps', 'Deployment', deployment({ updatedReplicas: 3, replicas: 4, availableReplicas: 3 }), options).message).toBe('1 old replica pending termination');
  });

  test('a Deployment whose updated replicas are all available is ready', () => {
    expect(readiness('apps', 'Deployment', deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), options).ready).toBe(true);
  });

  test('a Deployment past its progress deadline can no longer become ready', () => {
    const stuck = deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] });
    expect(readiness('apps', 'Deployment', stuck, options).failure).toContain('progress deadline');
  });
});

describe('readiness of other kinds', () => {
  test('a StatefulSet whose update revision is not rolled out is not ready', () => {
    const statefulSet = { metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2' } };
    expect(readiness('apps', 'StatefulSet', statefulSet, options).message).toBe('waiting for revision db-2 to roll out');
  });

  test('a Job that failed can no longer become ready', () => {
    const job = { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } };
    expect(readiness('batch', 'Job', job, options).failure).toBe('job failed: BackoffLimitExceeded (Job has reached the specified backoff limit)');
  });

  test('a LoadBalancer Service is ready without an address unless asked to wait for it', () => {
    expect(readiness('', 'Service', { spec: { type: 'LoadBalancer' }, status: {} }, options).ready).toBe(true);
  });

  test('a LoadBalancer Service asked to wait is not ready until it has an ingress address', () => {
    expect(readiness('', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } }, { loadBalancer: true }).ready).toBe(false);
  });

  test('a custom resource is ready when its Ready condition is True', () => {
    expect(readiness('example.com', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, options).ready).toBe(true);
  });

  test('a custom resource without conditions is ready once created', () => {
    expect(readiness('example.com', 'Widget', { spec: {} }, options).ready).toBe(true);
  });
});

describe('pod diagnostics', () => {
  test('an unready pod is described by its Ready condition and its waiting container', () => {
    const pod = {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } } }],
      },
    };
    expect(podProblem(pod)).toBe('Ready=False (ContainersNotReady: containers with unready status: [app]); container app waiting: CrashLoopBackOff (back-off 10s); app restarted 1 time');
  });

  test('a workload\'s pods are found by its selector\'s matchLabels', () => {
    expect(podSelector('apps', 'Deployment', { spec: { selector: { matchLabels: { app: 'web', tier: 'front' } } } })).toBe('app=web,tier=front');
  });
});
