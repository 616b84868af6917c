/**
 * A small Kubernetes API client over Node's own https module, for the test doubles and the tests
 * of the test setup. (@kubernetes/client-node is ESM-only and does not load in jest's CommonJS.)
 */
import * as fs from 'node:fs';
import * as https from 'node:https';

export interface KubernetesCredentials {
  server: string;
  caCertPath: string;
  clientCertPath: string;
  clientKeyPath: string;
}

export interface KubernetesResponse<Body = any> {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Body;
}

export interface RequestOptions {
  contentType?: string;
  /** Query parameters appended to the path. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Status codes that are not an error; by default every 2xx. */
  accept?: (statusCode: number) => boolean;
  timeoutMs?: number;
}

export interface WatchEvent<Item = any> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Item;
}

export class KubernetesApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    readonly body: any,
  ) {
    super(`${method} ${path} answered ${statusCode}: ${typeof body === 'string' ? body : body?.message ?? JSON.stringify(body)}`);
  }
}

export class KubernetesApi {
  private readonly agent: https.Agent;
  private readonly serverUrl: URL;

  constructor(readonly credentials: KubernetesCredentials) {
    this.serverUrl = new URL(credentials.server);
    this.agent = new https.Agent({
      keepAlive: true,
      ca: fs.readFileSync(credentials.caCertPath),
      cert: fs.readFileSync(credentials.clientCertPath),
      key: fs.readFileSync(credentials.clientKeyPath),
    });
  }

  get<Body = any>(path: string, options?: RequestOptions) {
    return this.request<Body>('GET', path, undefined, options);
  }

  post<Body = any>(path: string, body: unknown, options?: RequestOptions) {
    return this.request<Body>('POST', path, body, options);
  }

  put<Body = any>(path: string, body: unknown, options?: RequestOptions) {
    return this.request<Body>('PUT', path, body, options);
  }

  /** A JSON merge patch (RFC 7386): lists given in the patch replace the stored lists. */
  patch<Body = any>(path: string, body: unknown, options?: RequestOptions) {
    return this.request<Body>('PATCH', path, body, { contentType: 'application/merge-patch+json', ...options });
  }

  delete<Body = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<Body>('DELETE', path, body, options);
  }

  /** Resolves with the response whatever its status when options.accept allows it, else rejects with KubernetesApiError. */
  async request<Body = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<KubernetesResponse<Body>> {
    const response = await this.send(method, path, body, options);
    const accept = options.accept ?? ((statusCode: number) => statusCode >= 200 && statusCode < 300);
    if (!accept(response.statusCode)) {
      throw new KubernetesApiError(method, path, response.statusCode, response.body);
    }
    return response as KubernetesResponse<Body>;
  }

  /**
   * Streams a watch until the server ends it, the signal aborts or the connection fails; resolves
   * in the first two cases and rejects in the last. Each line of the stream is one event.
   */
  watch<Item = any>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<Item>) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return resolve();
      const request = https.request(this.url(path, { ...query, watch: true }), { method: 'GET', agent: this.agent, signal });
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => reject(new KubernetesApiError('WATCH', path, response.statusCode ?? 0, text)));
          return;
        }
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line) onEvent(JSON.parse(line));
          }
        });
        response.on('end', () => resolve());
        response.on('error', (error) => (signal?.aborted ? resolve() : reject(error)));
      });
      request.on('error', (error) => (signal?.aborted ? resolve() : reject(error)));
      request.end();
    });
  }

  /** Closes the kept-alive connections so that nothing keeps the process (or jest) alive. */
  close(): void {
    this.agent.destroy();
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(path, this.serverUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  private send(method: string, path: string, body: unknown, options: RequestOptions): Promise<KubernetesResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = options.contentType ?? 'application/json';
        headers['content-length'] = payload.length;
      }
      const request = https.request(this.url(path, options.query), { method, headers, agent: this.agent, timeout: options.timeoutMs ?? 15000 });
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (for example /readyz answers plain text): keep the text.
          }
          resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: parsed });
        });
      });
      request.end(payload);
    });
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.statusCode === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubernetesApiError && error.statusCode === 409;
}
