/**
 * A small Kubernetes API client on node:https: JSON requests, server-side apply patches and
 * watches over kept-alive TLS connections. It rides out what a real cluster does to clients:
 * API server restarts (connection refused, 503 while it starts), dropped connections, 429 with
 * Retry-After from max-in-flight and priority-and-fairness, and 5xx; every request is retried
 * with backoff until its retry budget runs out, and every wait stops when the operation aborts.
 *
 * Credentials of exec plugins and auth providers come from @kubernetes/client-node's KubeConfig,
 * loaded only when such a user is configured (it takes over a second to load).
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import { ClusterConnection } from './kubeconfig';

export interface ApiResponse<Body = any> {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Body;
}

export interface RequestOptions {
  readonly query?: { [name: string]: string | number | boolean | undefined };
  readonly body?: unknown;
  /** @default application/json when there is a body */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** How long transient failures are retried before giving up. @default 60000 */
  readonly retryBudgetMs?: number;
  /** Per-attempt timeout. @default 30000 */
  readonly timeoutMs?: number;
}

/** A response with a status the caller has to handle (4xx, or 5xx after the retries). */
export class KubernetesApiError extends Error {
  constructor(
    public readonly status: number,
    /** The API Status object's reason (`NotFound`, `Conflict`, `Invalid`, ...), when there is one. */
    public readonly reason: string,
    message: string,
    public readonly body: any,
    /** From a Retry-After header, when the server sent one. */
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

/** The request never got an HTTP answer (refused, reset, timed out) within the retry budget. */
export class KubernetesUnreachableError extends Error {
  constructor(message: string, public readonly code: string | undefined, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'KubernetesUnreachableError';
  }
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: any;
}

/** Why a watch ended: the server closed it (timeout), the resource version expired, or the connection broke. */
export type WatchEnd = 'closed' | 'expired' | 'broken' | 'stopped';

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const RETRIED_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isAbortError(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError' || (error as NodeJS.ErrnoException)?.code === 'ABORT_ERR';
}

function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('the operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Sleeps, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class KubernetesClient {
  /** HTTP requests sent (every attempt, watches included): the bench reports it per object. */
  public requests = 0;
  private agent: https.Agent;
  private pluginConfig?: Promise<any>;
  private agentCredentials = '';

  constructor(public readonly connection: ClusterConnection) {
    this.agent = this.newAgent(connection.cert, connection.key);
  }

  public close(): void {
    this.agent.destroy();
  }

  /** One JSON request, retried on transient failures; throws KubernetesApiError for 4xx (and 5xx after the retries). */
  public async request<Body = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<Body>> {
    const budget = options.retryBudgetMs ?? 60_000;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw abortError(options.signal);
      let failure: KubernetesApiError | KubernetesUnreachableError;
      try {
        const response = await this.send(method, path, options);
        if (response.status < 400) return response;
        failure = apiError(method, path, response);
        if (!RETRIED_STATUSES.has(response.status) || isDeterministic(failure)) throw failure;
      } catch (error) {
        if (error instanceof KubernetesApiError && (!RETRIED_STATUSES.has(error.status) || isDeterministic(error))) throw error;
        if (isAbortError(error) || options.signal?.aborted) throw abortError(options.signal);
        if (error instanceof KubernetesApiError) failure = error;
        else if (isTransient(error)) failure = new KubernetesUnreachableError(`${method} ${path}: cannot reach ${this.connection.server}: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code, { cause: error });
        else throw error;
      }
      const elapsed = Date.now() - started;
      const backoff = Math.min(250 * 2 ** attempt, 4000);
      const delay = failure instanceof KubernetesApiError && failure.retryAfterMs !== undefined ? Math.max(failure.retryAfterMs, 100) : backoff;
      if (elapsed + delay > budget) throw failure;
      await sleep(delay, options.signal);
    }
  }

  /**
   * Watches one collection from `resourceVersion`, calling `onEvent` for each event until the
   * server closes the watch, the version is too old (410), the connection breaks, or `onEvent`
   * returns true (stop). Never retries: the caller lists again and watches from there.
   */
  public async watch(path: string, query: { [name: string]: string | number | undefined }, signal: AbortSignal, onEvent: (event: WatchEvent) => boolean | void): Promise<WatchEnd> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal.reason);
    if (signal.aborted) throw abortError(signal);
    signal.addEventListener('abort', forward, { once: true });
    try {
      const response = await this.open('GET', path, { query: { ...query, watch: 1, allowWatchBookmarks: true }, signal: controller.signal, timeoutMs: 0 }).catch((error) => {
        if (isAbortError(error) || signal.aborted) throw abortError(signal);
        return undefined;
      });
      if (!response) return 'broken';
      if ((response.statusCode ?? 0) >= 400) {
        const body = await readBody(response).catch(() => '');
        const status = response.statusCode ?? 0;
        if (status === 410) return 'expired';
        if (RETRIED_STATUSES.has(status)) return 'broken';
        throw apiError('GET', path, { status, headers: response.headers, body: parseJson(body) });
      }
      return await new Promise<WatchEnd>((resolve, reject) => {
        let buffer = '';
        let ended = false;
        const finish = (end: WatchEnd) => {
          if (ended) return;
          ended = true;
          response.destroy();
          resolve(end);
        };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while (!ended && (newline = buffer.indexOf('\n')) !== -1) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line === '') continue;
            const event = parseJson(line) as WatchEvent | undefined;
            if (!event || typeof event.type !== 'string') continue;
            if (event.type === 'ERROR') return finish(event.object?.code === 410 ? 'expired' : 'broken');
            try {
              if (onEvent(event) === true) return finish('stopped');
            } catch (error) {
              ended = true;
              response.destroy();
              return reject(error);
            }
          }
        });
        // Aborted by the caller: reject, so that the caller's own reason (its timeout) surfaces.
        const aborted = () => {
          if (ended) return;
          ended = true;
          reject(abortError(signal));
        };
        response.on('end', () => finish('closed'));
        response.on('aborted', () => finish('broken'));
        response.on('error', () => (signal.aborted ? aborted() : finish('broken')));
        response.on('close', () => (signal.aborted ? aborted() : finish('broken')));
      });
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<ApiResponse> {
    const response = await this.open(method, path, options);
    const text = await readBody(response);
    return { status: response.statusCode ?? 0, headers: response.headers, body: text === '' ? undefined : parseJson(text) ?? text };
  }

  private async open(method: string, path: string, options: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.connection.server + path);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': 'hybrid/kubernetes' };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    await this.authorize(headers);
    this.requests++;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = https.request(url, {
        method,
        headers,
        agent: this.agent,
        signal: options.signal,
        ...(this.connection.tlsServerName ? { servername: this.connection.tlsServerName } : {}),
      });
      const timeoutMs = options.timeoutMs ?? 30_000;
      if (timeoutMs > 0) {
        request.setTimeout(timeoutMs, () => {
          const error: NodeJS.ErrnoException = new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`);
          error.code = 'ETIMEDOUT';
          request.destroy(error);
        });
      }
      request.on('response', resolve);
      request.on('error', reject);
      request.end(payload);
    });
  }

  private async authorize(headers: http.OutgoingHttpHeaders): Promise<void> {
    const connection = this.connection;
    if (connection.plugin) {
      const config = await (this.pluginConfig ??= loadPluginConfig(connection.plugin));
      const options: any = { headers: {} };
      await config.applyToHTTPSOptions(options);
      if (options.headers.Authorization) headers.authorization = options.headers.Authorization;
      const credentials = `${options.cert ?? ''}|${options.key ?? ''}`;
      if ((options.cert || options.key) && credentials !== this.agentCredentials) {
        this.agentCredentials = credentials;
        this.agent.destroy();
        this.agent = this.newAgent(options.cert ? Buffer.from(options.cert) : connection.cert, options.key ? Buffer.from(options.key) : connection.key);
      }
      return;
    }
    if (connection.token) headers.authorization = `Bearer ${connection.token}`;
    else if (connection.tokenFile) headers.authorization = `Bearer ${fs.readFileSync(connection.tokenFile, 'utf8').trim()}`;
    else if (connection.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${connection.username}:${connection.password ?? ''}`).toString('base64')}`;
  }

  private newAgent(cert: Buffer | undefined, key: Buffer | undefined): https.Agent {
    return new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: this.connection.ca,
      cert,
      key,
      rejectUnauthorized: !this.connection.insecureSkipTlsVerify,
    });
  }
}

/** @kubernetes/client-node's KubeConfig for exec plugins and auth providers, loaded on first use. */
async function loadPluginConfig(plugin: { kubeconfig: string; context: string }): Promise<any> {
  // An ES module: Node 20.19+ requires it; jest's loader cannot, so the tests reach this through the CLI.
  const clientNode = require('@kubernetes/client-node');
  const config = new clientNode.KubeConfig();
  config.loadFromString(plugin.kubeconfig);
  config.setCurrentContext(plugin.context);
  return config;
}

/**
 * A 5xx that says the request itself is at fault: server-side apply's "failed to create typed
 * patch object" comes back as a 500 although no retry can change it.
 */
function isDeterministic(error: KubernetesApiError): boolean {
  return error.status === 500 && /failed to create typed patch object|failed to create manager for existing fields/.test(error.message);
}

function isTransient(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  return /socket hang up|other side closed|ECONNRESET|EPIPE/i.test((error as Error)?.message ?? '');
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('aborted', () => reject(Object.assign(new Error('the response was cut off'), { code: 'ECONNRESET' })));
    response.on('error', reject);
  });
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function apiError(method: string, path: string, response: { status: number; headers: http.IncomingHttpHeaders; body: any }): KubernetesApiError {
  const body = response.body;
  const status = response.status;
  const reason = typeof body === 'object' && body !== null && typeof body.reason === 'string' ? body.reason : http.STATUS_CODES[status] ?? String(status);
  const detail = typeof body === 'object' && body !== null && typeof body.message === 'string' ? body.message : typeof body === 'string' ? body.trim().slice(0, 300) : '';
  const retryAfter = Number(response.headers['retry-after']);
  return new KubernetesApiError(status, reason, `${method} ${path}: ${status} ${reason}${detail ? `: ${detail}` : ''}`, body, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
}
