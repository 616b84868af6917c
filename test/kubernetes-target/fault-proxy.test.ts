import { ControlPlane, startControlPlane } from '../support/kubernetes/control-plane';
import { FaultProxy, startFaultProxy, tlsProxyOptionsFor } from '../support/kubernetes/fault-proxy';
import { KubernetesApi } from '../support/kubernetes/kubernetes-api';

describe('the fault proxy', () => {
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    controlPlane = await startControlPlane({ controllerManager: false });
  }, 150000);

  afterAll(async () => {
    await controlPlane?.stop();
  }, 30000);

  describe("in 'tcp' mode", () => {
    let proxy: FaultProxy;
    let api: KubernetesApi;

    beforeEach(async () => {
      proxy = await startFaultProxy({ target: controlPlane.server });
      api = new KubernetesApi({ ...controlPlane.credentials, server: proxy.url });
    });

    afterEach(async () => {
      api.close();
      await proxy.stop();
    });

    it("passes the API server's TLS through untouched", async () => {
      const response = await api.get('/readyz');
      expect(response.body).toBe('ok');
    });

    it('resets an open watch when it drops all connections', async () => {
      const watch = api.watch('/api/v1/namespaces/default/configmaps', { timeoutSeconds: 60 }, () => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.dropConnections();
      await expect(watch).rejects.toThrow(/ECONNRESET|socket hang up|aborted/);
    });

    it('refuses new connections until told to accept them again', async () => {
      api.close();
      await proxy.refuseConnections();
      const refused = new KubernetesApi({ ...controlPlane.credentials, server: proxy.url });
      const error = await refused.get('/readyz').catch((failure) => failure);
      refused.close();
      await proxy.acceptConnections();
      api = new KubernetesApi({ ...controlPlane.credentials, server: proxy.url });
      const response = await api.get('/readyz');
      expect({ refusal: error.code, afterwards: response.body }).toEqual({ refusal: 'ECONNREFUSED', afterwards: 'ok' });
    });

    it('delays traffic by the delay it is given', async () => {
      await api.get('/readyz');
      proxy.setDelay(400);
      const started = Date.now();
      await api.get('/readyz');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    });
  });

  describe("in 'tls' mode", () => {
    let proxy: FaultProxy;
    let api: KubernetesApi;

    beforeEach(async () => {
      proxy = await startFaultProxy(tlsProxyOptionsFor(controlPlane));
      api = new KubernetesApi({ ...controlPlane.credentials, server: proxy.url });
    });

    afterEach(async () => {
      api.close();
      await proxy.stop();
    });

    it('presents a certificate for 127.0.0.1 signed by the control plane CA', async () => {
      const response = await api.get('/api/v1/namespaces/default');
      expect(response.body.metadata.name).toBe('default');
    });

    it('answers 429 with Retry-After to the matching request, then lets the next one through', async () => {
      proxy.injectResponses({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', status: 429, retryAfterSeconds: 2 });
      const first = await api.get('/api/v1/namespaces/default/configmaps', { accept: () => true });
      const second = await api.get('/api/v1/namespaces/default/configmaps', { accept: () => true });
      expect({ first: [first.statusCode, first.headers['retry-after']], second: second.statusCode }).toEqual({ first: [429, '2'], second: 200 });
    });

    it('answers 500 with a Status object as many times as asked', async () => {
      proxy.injectResponses({ method: 'POST', path: /\/configmaps$/, status: 500, count: 2 });
      const body = { metadata: { name: 'after-two-failures' } };
      const statuses: number[] = [];
      let reason = '';
      for (let attempt = 0; attempt < 3; attempt++) {
        const response = await api.post('/api/v1/namespaces/default/configmaps', body, { accept: () => true });
        statuses.push(response.statusCode);
        if (response.statusCode === 500) reason = response.body.reason;
      }
      expect({ statuses, reason, injected: proxy.injected.length }).toEqual({ statuses: [500, 500, 201], reason: 'InternalError', injected: 2 });
    });

    it('streams watch events through', async () => {
      const names: string[] = [];
      const abort = new AbortController();
      const watch = api.watch('/api/v1/namespaces/default/configmaps', { timeoutSeconds: 30 }, (event) => {
        names.push(event.object.metadata.name);
        if (event.object.metadata.name === 'watched') abort.abort();
      }, abort.signal);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await api.post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'watched' } });
      await watch;
      expect(names).toContain('watched');
    });

    it('drops the connections it terminates', async () => {
      const watch = api.watch('/api/v1/namespaces/default/configmaps', { timeoutSeconds: 60 }, () => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.dropConnections();
      await expect(watch).rejects.toThrow(/ECONNRESET|socket hang up|aborted/);
    });
  });
});
