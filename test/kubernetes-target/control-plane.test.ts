import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { ControlPlane, startControlPlane } from '../support/kubernetes/control-plane';
import { eventually } from '../support/kubernetes/eventually';
import { KubernetesApi } from '../support/kubernetes/kubernetes-api';

function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the Kubernetes test control plane', () => {
  let controlPlane: ControlPlane;
  let api: KubernetesApi;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    api = controlPlane.createApi();
  }, 150000);

  afterAll(async () => {
    api?.close();
    await controlPlane?.stop();
  }, 30000);

  it('serves the API on 127.0.0.1 only', () => {
    expect(controlPlane.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers /readyz with ok to the admin certificate', async () => {
    const response = await api.get('/readyz');
    expect(response.body).toBe('ok');
  });

  it('reports version 1.20 built from the Debian source package', async () => {
    const response = await api.get('/version');
    expect(response.body.gitVersion).toMatch(/^v1\.20\./);
  });

  it('has the default service account with its token in namespace default', async () => {
    const response = await api.get('/api/v1/namespaces/default/serviceaccounts/default');
    expect(response.body.secrets.length).toBeGreaterThan(0);
  });

  it('refuses a client without a certificate as anonymous and forbidden', async () => {
    const anonymous = await new Promise<number>((resolve, reject) => {
      https
        .get(`${controlPlane.server}/api/v1/namespaces`, { ca: fs.readFileSync(controlPlane.caCertPath) }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(anonymous).toBe(403);
  });

  it('writes a kubeconfig that kubectl can use', () => {
    const output = execFileSync('kubectl', ['--kubeconfig', controlPlane.kubeconfigPath, 'get', 'namespace', 'kube-system', '-o', 'name'], { encoding: 'utf8' });
    expect(output.trim()).toBe('namespace/kube-system');
  });

  it('keeps its data when the API server restarts after a crash', async () => {
    await api.post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'survives-restart' }, data: { key: 'value' } });
    await controlPlane.restartApiServer();
    const response = await api.get('/api/v1/namespaces/default/configmaps/survives-restart');
    expect(response.body.data).toEqual({ key: 'value' });
  }, 150000);

  it('garbage-collects a ConfigMap whose owner is deleted', async () => {
    const owner = await api.post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'owner' } });
    await api.post('/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.body.metadata.uid }] },
    });
    await api.delete('/api/v1/namespaces/default/configmaps/owner');
    const status = await eventually('the owned ConfigMap to be deleted', async () => {
      const response = await api.get('/api/v1/namespaces/default/configmaps/owned', { accept: () => true });
      return response.statusCode === 404 ? response.statusCode : undefined;
    });
    expect(status).toBe(404);
  });

  it('leaves no process and no temporary directory behind once stopped', async () => {
    const processIds = controlPlane.processIds();
    api.close();
    await controlPlane.stop();
    expect({
      running: processIds.filter(isRunning),
      mentioningTheTemporaryDirectory: processesMentioning(controlPlane.tmpDir),
      temporaryDirectoryExists: fs.existsSync(controlPlane.tmpDir),
    }).toEqual({ running: [], mentioningTheTemporaryDirectory: [], temporaryDirectoryExists: false });
  }, 30000);
});
