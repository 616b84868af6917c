/**
 * The client's HTTP behaviour where the test cloud cannot produce the answer on demand (429,
 * 413 with Retry-After, 503, a dropped connection): a scripted server on 127.0.0.1 answers as
 * Keystone (a token and a catalog pointing at itself) and then as a service, one scripted
 * answer per request. Everything else is tested on the real cloud.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenStackClient, compareVersions } from '../../../lib/providers/openstack/client/client';
import { OpenStackApiError } from '../../../lib/providers/openstack/client/errors';
import { retryAfterMs } from '../../../lib/providers/openstack/client/http';

interface Answer {
  readonly status: number;
  readonly body?: any;
  readonly headers?: { [name: string]: string };
  /** Close the connection without answering. */
  readonly drop?: boolean;
}

class ScriptedCloud {
  public readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; at: number }> = [];
  public answers: Answer[] = [];
  public tokens = 0;
  /** Version documents to refuse with 503 before answering. */
  public versionFailures = 0;
  private server!: http.Server;
  public port = 0;

  public async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const base = `http://127.0.0.1:${this.port}`;
        if (request.method === 'POST' && request.url === '/v3/auth/tokens') {
          this.tokens++;
          response.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': `token-${this.tokens}` });
          response.end(JSON.stringify({ token: {
            expires_at: new Date(Date.now() + 3600_000).toISOString(), project: { id: 'p1' },
            catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'R', url: `${base}/compute/v2.1` }] },
              { type: 'network', endpoints: [{ interface: 'public', region_id: 'R', url: `${base}/network` }] }],
          } }));
          return;
        }
        if (request.url === '/compute/v2.1/' && this.versionFailures > 0) {
          this.versionFailures--;
          response.writeHead(503, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ message: 'unavailable' }));
          return;
        }
        if (request.url === '/compute/v2.1/') {
          response.writeHead(200, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ version: { id: 'v2.1', version: '2.60', min_version: '2.1' } }));
          return;
        }
        this.requests.push({ method: request.method!, url: request.url!, headers: request.headers, at: Date.now() });
        const answer = this.answers.shift() ?? { status: 200, body: {} };
        if (answer.drop) {
          request.socket.destroy();
          return;
        }
        response.writeHead(answer.status, { 'Content-Type': 'application/json', 'X-Openstack-Request-Id': `req-${this.requests.length}`, ...(answer.headers ?? {}) });
        response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  public client(options: ConstructorParameters<typeof OpenStackClient>[1] = {}): OpenStackClient {
    return new OpenStackClient(
      { name: 'scripted', authUrl: `http://127.0.0.1:${this.port}`, authMethod: 'password', username: 'u', password: 'p', projectName: 'p', interface: 'public', insecure: false, regionName: 'R' },
      { retryBaseMs: 10, ...options },
    );
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let cloud: ScriptedCloud;
let client: OpenStackClient;

beforeEach(async () => {
  cloud = new ScriptedCloud();
  await cloud.start();
  client = cloud.client();
});

afterEach(async () => {
  client.close();
  await cloud.stop();
});

async function failureOf(work: Promise<unknown>): Promise<any> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

test('a 429 is retried after the Retry-After the server gave', async () => {
  cloud.answers = [{ status: 429, body: { message: 'slow down' }, headers: { 'Retry-After': '1' } }, { status: 200, body: { servers: [] } }];
  await client.get('compute', '/servers');
  expect(cloud.requests[1].at - cloud.requests[0].at).toBeGreaterThanOrEqual(950);
});

test('a 413 with Retry-After is retried', async () => {
  cloud.answers = [{ status: 413, body: { overLimit: { message: 'rate', code: 413 } }, headers: { 'Retry-After': '0' } }, { status: 200, body: {} }];
  expect((await client.get('compute', '/servers')).status).toBe(200);
});

test('fails at once if a 413 has no Retry-After (a quota, not a rate limit)', async () => {
  cloud.answers = [{ status: 413, body: { overLimit: { message: "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.", code: 413 } } }];
  const error = await failureOf(client.post('compute', '/servers', {}));
  expect([cloud.requests.length, error.quota]).toEqual([1, 'volumes']);
});

test('a 503 on a create is retried, since the server did not process it', async () => {
  cloud.answers = [{ status: 503, body: { message: 'unavailable' } }, { status: 202, body: { server: { id: 's1' } } }];
  expect((await client.post('compute', '/servers', {})).body.server.id).toBe('s1');
});

test('fails without retrying if a create answers 500, since it may have been processed', async () => {
  cloud.answers = [{ status: 500, body: { computeFault: { message: 'boom', code: 500 } } }];
  const error = await failureOf(client.post('compute', '/servers', {}));
  expect([cloud.requests.length, error.message]).toEqual([1, 'compute POST /servers answered 500 computeFault: boom (request id req-1)']);
});

test('a 409 on a delete is retried, and the error after the last attempt names the attempts and request id', async () => {
  const conflict = { status: 409, body: { NeutronError: { type: 'NetworkInUse', message: 'Unable to complete operation on network n1. There are one or more ports still in use on the network.' } } };
  cloud.answers = [conflict, conflict, conflict];
  const error = await failureOf(cloud.client({ maxAttempts: 3, retryBaseMs: 10 }).delete('network', '/v2.0/networks/n1'));
  expect([error.retryable, error.message]).toEqual([true, expect.stringMatching(/^network DELETE \/v2\.0\/networks\/n1 answered 409 NetworkInUse: .* \(request id req-3; 3 attempts\)$/)]);
});

test('a conflict that never settles (over quota) is not retried', async () => {
  cloud.answers = [{ status: 409, body: { NeutronError: { type: 'OverQuota', message: "Quota exceeded for resources: ['port']." } } }];
  const error = await failureOf(client.put('network', '/v2.0/ports/p1', {}));
  expect([cloud.requests.length, error.quota]).toEqual([1, 'port']);
});

test('a dropped connection on a GET is retried', async () => {
  cloud.answers = [{ status: 0, drop: true }, { status: 200, body: { networks: [] } }];
  expect((await client.get('network', '/v2.0/networks')).body).toEqual({ networks: [] });
});

test('a 401 from a service renews the token once and repeats the request', async () => {
  cloud.answers = [{ status: 401, body: { error: { message: 'expired', code: 401 } } }, { status: 200, body: {} }];
  await client.get('compute', '/servers');
  expect([cloud.tokens, cloud.requests.map((r) => r.headers['x-auth-token'])]).toEqual([2, ['token-1', 'token-2']]);
});

test('one token serves concurrent requests', async () => {
  await Promise.all([client.get('compute', '/a'), client.get('compute', '/b'), client.get('network', '/v2.0/c')]);
  expect(cloud.tokens).toBe(1);
});

test('the compute microversion is the lower of the server\'s maximum and the client\'s preference, sent only to compute', async () => {
  await client.get('compute', '/servers');
  await client.get('network', '/v2.0/networks');
  expect(cloud.requests.map((r) => r.headers['openstack-api-version'])).toEqual(['compute 2.60', undefined]);
});

test('a version document that failed is asked for again, not taken for a service without microversions', async () => {
  cloud.versionFailures = 1;
  await client.get('compute', '/servers').catch(() => undefined);
  await client.get('compute', '/servers');
  expect(cloud.requests.map((r) => r.headers['openstack-api-version']).pop()).toBe('compute 2.60');
});

test('pagination follows next links, keeping only their query', async () => {
  cloud.answers = [
    { status: 200, body: { networks: [{ id: 'a' }], networks_links: [{ rel: 'next', href: 'http://elsewhere:9696/v2.0/networks?limit=1&marker=a' }] } },
    { status: 200, body: { networks: [{ id: 'b' }] } },
  ];
  const items = await client.list('network', '/v2.0/networks', 'networks', { query: { limit: 1 } });
  expect([items.map((item: any) => item.id), cloud.requests[1].url]).toEqual([['a', 'b'], '/network/v2.0/networks?limit=1&marker=a']);
});

test('errors never contain the token or the password', async () => {
  cloud.answers = [{ status: 400, body: { badRequest: { message: 'bad', code: 400 } } }];
  const error: OpenStackApiError = await failureOf(client.get('compute', '/servers'));
  expect([error.message.includes('token-1'), error.message.includes("'p'"), JSON.stringify(error).includes('token-1')]).toEqual([false, false, false]);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  expect([retryAfterMs('2'), retryAfterMs(new Date(10_000).toUTCString(), 4_000), retryAfterMs('soon')]).toEqual([2000, 6000, undefined]);
});

test('microversions compare numerically', () => {
  expect([compareVersions('2.9', '2.10'), compareVersions('3.70', '3.59') > 0]).toEqual([-1, true]);
});
