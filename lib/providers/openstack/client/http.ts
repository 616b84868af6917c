/**
 * One HTTP exchange over Node's http/https: a JSON body out, the status, headers and text back.
 * No retries and no auth here (client.ts does both); this layer only knows sockets and time.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as fs from 'node:fs';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: { [name: string]: string };
  readonly body?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** A transport error that says whether the request certainly never reached the server. */
export class TransportError extends Error {
  public readonly code?: string;
  /** True when the server cannot have processed the request (connection refused, stale keep-alive socket). */
  public readonly notSent: boolean;
  constructor(message: string, options: { code?: string; notSent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = options.code;
    this.notSent = options.notSent;
  }
}

export interface TlsOptions {
  readonly caCert?: string;
  readonly insecure?: boolean;
}

/** Keep-alive agents per client; `destroy()` closes their sockets at the end of a run. */
export class Transport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent: https.Agent;

  constructor(tls: TlsOptions = {}) {
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ...(tls.caCert ? { ca: fs.readFileSync(tls.caCert) } : {}),
      ...(tls.insecure ? { rejectUnauthorized: false } : {}),
    });
  }

  public send(request: HttpRequest): Promise<HttpResponse> {
    const secure = request.url.protocol === 'https:';
    const module = secure ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      if (request.signal?.aborted) return reject(request.signal.reason ?? new Error('aborted'));
      const headers: { [name: string]: string | number } = { ...request.headers };
      if (request.body !== undefined) headers['Content-Length'] = Buffer.byteLength(request.body);
      const outgoing = module.request(request.url, { method: request.method, headers, agent: secure ? this.httpsAgent : this.httpAgent });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => {
        outgoing.destroy();
        fail(new TransportError(`${request.method} ${request.url.host}${request.url.pathname} got no answer within ${request.timeoutMs} ms`, { code: 'ETIMEDOUT', notSent: false }));
      }, request.timeoutMs);
      const onAbort = () => {
        outgoing.destroy();
        fail(request.signal?.reason instanceof Error ? request.signal.reason : new Error('aborted'));
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      };
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // A keep-alive socket the server had already closed fails before anything was processed.
        const notSent = error.code === 'ECONNREFUSED' || (error.code === 'ECONNRESET' && outgoing.reusedSocket);
        fail(new TransportError(`${request.method} ${request.url.host}${request.url.pathname}: ${error.message}`, { code: error.code, notSent, cause: error }));
      });
      outgoing.on('response', (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', (error: NodeJS.ErrnoException) => fail(new TransportError(`${request.method} ${request.url.host}${request.url.pathname}: ${error.message}`, { code: error.code, notSent: false, cause: error })));
        incoming.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      if (request.body !== undefined) outgoing.write(request.body);
      outgoing.end();
    });
  }

  public destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
