/**
 * The OpenStack REST client: Keystone v3 tokens (reused, renewed before expiry and after a 401),
 * endpoints from the service catalog, microversions negotiated per service and sent only to that
 * service, pagination, and retries of what the API says may settle (5xx, 409, 413/429 with
 * Retry-After). Every failure is an OpenStackApiError naming the request id.
 */
import { ErrorCode, HybridError } from '../../../core/errors';
import { raceAbort, sleep } from '../../../engine/provider';
import { Token, authRequestBody, findEndpoint, identityBase, parseToken } from './auth';
import type { CloudConfig } from './config';
import { OpenStackApiError, parseErrorBody } from './errors';
import { HttpResponse, Transport, TransportError, retryAfterMs } from './http';

export type ServiceName = 'compute' | 'network' | 'image' | 'block-storage' | 'identity';

/** The microversion each service is asked for, at most: newer ones change response shapes we read. */
const PREFERRED_MICROVERSIONS: { readonly [service: string]: string } = { compute: '2.79', 'block-storage': '3.59' };
/** The name a service's microversion header uses (`OpenStack-API-Version: compute 2.79`). */
const MICROVERSION_HEADER_NAMES: { readonly [service: string]: string } = { compute: 'compute', 'block-storage': 'volume' };
/** The version prefix each service's paths start with, so an endpoint that already ends with it works too. */
const PATH_PREFIXES: { readonly [service: string]: string } = { network: '/v2.0', image: '/v2' };
/** Conflicts that never settle by waiting: retrying them only delays the failure. */
const PERMANENT_CONFLICTS = new Set([
  'OverQuota', 'IpAddressAlreadyAllocated', 'MacAddressInUse', 'IpAddressGenerationFailure', 'SecurityGroupRuleExists',
  'DuplicateEntry', 'InvalidInput', 'BadRequest',
]);

export type QueryValue = string | number | boolean | ReadonlyArray<string> | undefined;

export interface RequestOptions {
  readonly query?: { readonly [name: string]: QueryValue };
  readonly body?: any;
  /** Statuses returned instead of thrown (e.g. 404 when asking "is it gone?"). */
  readonly allow?: ReadonlyArray<number>;
  /** Retry 409 Conflict. @default true for PUT and DELETE, false for POST (a create conflict is usually permanent) */
  readonly retryConflict?: boolean;
  readonly signal?: AbortSignal;
  /** Extra headers (e.g. X-Subject-Token). */
  readonly headers?: { readonly [name: string]: string };
  /** Told before each retry, e.g. to log it. */
  readonly onRetry?: (error: OpenStackApiError | TransportError, delayMs: number, attempt: number) => void;
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly requestId?: string;
  readonly headers: HttpResponse['headers'];
}

/** One API call as the client made it, for metrics (the bench counts calls per resource). */
export interface RequestRecord {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly requestId?: string;
}

export interface ClientOptions {
  /** Per-request timeout of reads, updates and deletes. @default 120000 */
  readonly requestTimeoutMs?: number;
  /**
   * Per-request timeout of creates (POST). Long on purpose: a create the client stops waiting for
   * may still finish on the server, and its retry would then make a second resource.
   * @default 300000
   */
  readonly createTimeoutMs?: number;
  /** Attempts per request for retryable failures. @default 5 */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each time up to 10 s. @default 500 */
  readonly retryBaseMs?: number;
  /** A Retry-After longer than this is not waited for: the error goes up instead. @default 60000 */
  readonly maxRetryAfterMs?: number;
  /** Renew the token this long before Keystone says it expires. @default 120000 */
  readonly renewBeforeMs?: number;
  /** Called after every HTTP exchange (including Keystone's and failed ones). */
  readonly onRequest?: (record: RequestRecord) => void;
}

interface Microversion {
  readonly version: string;
  readonly max: string;
}

/** `2.79` < `2.100`: compares dotted versions numerically. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function requestIdOf(headers: HttpResponse['headers']): string | undefined {
  const value = headers['x-openstack-request-id'] ?? headers['x-compute-request-id'] ?? headers['openstack-request-id'];
  return Array.isArray(value) ? value[0] : value;
}


export class OpenStackClient {
  private readonly transport: Transport;
  private token?: Token;
  private authenticating?: Promise<Token>;
  private readonly endpoints = new Map<string, string>();
  /** Work every operation of a run shares (microversions, image and flavor lookups): see memo. */
  private readonly shared = new Map<string, Promise<unknown>>();
  private readonly options: Required<Omit<ClientOptions, 'onRequest'>> & Pick<ClientOptions, 'onRequest'>;
  /** How many times this client obtained a token (tests check renewal with it). */
  public authentications = 0;

  constructor(public readonly config: CloudConfig, options: ClientOptions = {}) {
    this.transport = new Transport({ caCert: config.caCert, insecure: config.insecure });
    this.options = {
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
      createTimeoutMs: options.createTimeoutMs ?? 300_000,
      maxAttempts: options.maxAttempts ?? 5,
      retryBaseMs: options.retryBaseMs ?? 500,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      renewBeforeMs: options.renewBeforeMs ?? 120_000,
      onRequest: options.onRequest,
    };
  }

  /** The project the token is scoped to. */
  public async projectId(signal?: AbortSignal): Promise<string | undefined> {
    return (await this.validToken(signal)).projectId;
  }

  /**
   * The outcome of `work`, done once per client (one run) for `key` and shared by every caller;
   * a failure is not kept, so the next caller tries again. The work is shared, so it takes no
   * caller's abort signal: a caller that gives up leaves it running for the others.
   */
  public memo<T>(key: string, work: () => Promise<T>): Promise<T> {
    let pending = this.shared.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = work();
      this.shared.set(key, pending);
      pending.catch(() => this.shared.delete(key));
    }
    return pending;
  }

  /** Forgets the token, as if it had expired: the next request authenticates again. */
  public expireToken(): void {
    this.token = undefined;
  }

  public close(): void {
    this.transport.destroy();
  }

  // ---- requests ------------------------------------------------------------------------------

  public get<T = any>(service: ServiceName, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>(service, 'GET', path, options);
  }

  public post<T = any>(service: ServiceName, path: string, body: any, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>(service, 'POST', path, { ...options, body });
  }

  public put<T = any>(service: ServiceName, path: string, body: any, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>(service, 'PUT', path, { ...options, body });
  }

  public delete<T = any>(service: ServiceName, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>(service, 'DELETE', path, options);
  }

  /** Every item of a paginated list, following `<key>_links` (Nova, Neutron, Cinder) or `next` (Glance). */
  public async list<T = any>(service: ServiceName, path: string, key: string, options: RequestOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let query: { [name: string]: QueryValue } = { ...(options.query ?? {}) };
    for (let page = 0; page < 10_000; page++) {
      const response = await this.get(service, path, { ...options, query });
      const body = response.body ?? {};
      const pageItems = body[key];
      if (!Array.isArray(pageItems)) {
        throw new OpenStackApiError({ service, method: 'GET', path, status: response.status, apiMessage: `the answer has no '${key}' list`, requestId: response.requestId });
      }
      items.push(...pageItems);
      const links: Array<{ rel: string; href: string }> = Array.isArray(body[`${key}_links`]) ? body[`${key}_links`] : [];
      const next = links.find((link) => link.rel === 'next')?.href ?? (typeof body.next === 'string' ? body.next : undefined);
      if (!next || pageItems.length === 0) return items;
      // Next links carry the server's own idea of its host name: keep only their query.
      const nextQuery = new URL(next, 'http://next.invalid').searchParams;
      query = {};
      for (const name of new Set(nextQuery.keys())) {
        const values = nextQuery.getAll(name);
        query[name] = values.length === 1 ? values[0] : values;
      }
    }
    return items;
  }

  /** The negotiated microversion of a service, or undefined for a service that has none. */
  public async microversion(service: ServiceName, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.negotiate(service, signal))?.version;
  }

  /** True when the negotiated microversion of `service` is at least `version`. */
  public async supports(service: ServiceName, version: string, signal?: AbortSignal): Promise<boolean> {
    const negotiated = await this.microversion(service, signal);
    return negotiated !== undefined && compareVersions(negotiated, version) >= 0;
  }

  public async request<T = any>(service: ServiceName, method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const signal = options.signal;
    const base = await this.endpoint(service, signal);
    const microversion = await this.negotiate(service, signal);
    const url = this.url(service, base, path, options.query);
    const displayPath = url.pathname.slice(new URL(base).pathname.replace(/\/+$/, '').length) + url.search;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const idempotent = method !== 'POST';
    const retryConflict = options.retryConflict ?? idempotent;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.validToken(signal);
      const headers: { [name: string]: string } = { ...(options.headers ?? {}), Accept: 'application/json', 'X-Auth-Token': token.value, 'User-Agent': 'hybrid-iac' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (microversion) {
        headers['OpenStack-API-Version'] = `${MICROVERSION_HEADER_NAMES[service]} ${microversion.version}`;
        if (service === 'compute') headers['X-OpenStack-Nova-API-Version'] = microversion.version;
      }
      let response: HttpResponse;
      const started = Date.now();
      try {
        const timeoutMs = method === 'POST' ? this.options.createTimeoutMs : this.options.requestTimeoutMs;
        response = await this.transport.send({ method, url, headers, body, timeoutMs, signal });
      } catch (error) {
        if (!(error instanceof TransportError) || signal?.aborted) throw error;
        this.record(service, method, displayPath, 0, started);
        if (attempt < this.options.maxAttempts && (error.notSent || idempotent)) {
          const delay = this.backoff(attempt);
          options.onRetry?.(error, delay, attempt);
          await sleep(delay, signal);
          continue;
        }
        throw error;
      }
      const requestId = requestIdOf(response.headers);
      this.record(service, method, displayPath, response.status, started, requestId);
      if (response.status === 401 && !reauthenticated) {
        // The token expired or was revoked before we thought: authenticate again, once.
        reauthenticated = true;
        if (this.token === token) this.token = undefined;
        attempt--;
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || options.allow?.includes(response.status)) {
        return { status: response.status, body: parseBody(response.text) as T, requestId, headers: response.headers };
      }
      const { message, faultType } = parseErrorBody(response.text);
      const waitMs = retryAfterMs(response.headers['retry-after']);
      const status = response.status;
      const retryable =
        status === 429 ||
        (status === 413 && waitMs !== undefined) ||
        status === 503 ||
        (idempotent && status >= 500 && status !== 501) ||
        (status === 409 && !PERMANENT_CONFLICTS.has(faultType ?? '') && !/quota/i.test(message));
      const error = new OpenStackApiError({ service, method, path: displayPath, status, apiMessage: message, faultType, requestId, retryAfterMs: waitMs, attempts: attempt, retryable });
      if (status === 401 || (status === 403 && /token|auth/i.test(message) && !/quota/i.test(message))) {
        throw new HybridError(ErrorCode.ProviderAuthFailed, `cloud '${this.config.name}': ${error.message}`, { cause: error });
      }
      const retryHere = retryable && (status !== 409 || retryConflict);
      if (!retryHere || attempt >= this.options.maxAttempts || (waitMs ?? 0) > this.options.maxRetryAfterMs) throw error;
      const delay = waitMs ?? this.backoff(attempt);
      options.onRetry?.(error, delay, attempt);
      await sleep(delay, signal);
    }
  }

  // ---- auth, catalog, versions ------------------------------------------------------------------

  private async validToken(signal?: AbortSignal): Promise<Token> {
    if (this.token && this.token.expiresAt - this.options.renewBeforeMs > Date.now()) return this.token;
    // One authentication at a time: concurrent operations wait for the same token, and one
    // operation giving up (its signal) does not cancel it for the others.
    this.authenticating ??= this.authenticate().finally(() => {
      this.authenticating = undefined;
    });
    return signal ? raceAbort(this.authenticating, signal) : this.authenticating;
  }

  private async authenticate(signal?: AbortSignal): Promise<Token> {
    const url = new URL(`${identityBase(this.config.authUrl)}/auth/tokens`);
    const body = JSON.stringify(authRequestBody(this.config));
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let response: HttpResponse;
      try {
        response = await this.transport.send({
          method: 'POST', url, body, signal, timeoutMs: this.options.requestTimeoutMs,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'hybrid-iac' },
        });
      } catch (error) {
        if (error instanceof TransportError && !signal?.aborted && attempt < this.options.maxAttempts) {
          this.record('identity', 'POST', '/v3/auth/tokens', 0, started);
          await sleep(this.backoff(attempt), signal);
          continue;
        }
        if (error instanceof TransportError) {
          throw new HybridError(ErrorCode.ProviderAuthFailed, `cannot reach Keystone of cloud '${this.config.name}' at ${url.origin}: ${error.message}`, { cause: error });
        }
        throw error;
      }
      const requestId = requestIdOf(response.headers);
      this.record('identity', 'POST', '/v3/auth/tokens', response.status, started, requestId);
      if (response.status === 201 || response.status === 200) {
        const subject = response.headers['x-subject-token'];
        this.token = parseToken(Array.isArray(subject) ? subject[0] : subject, parseBody(response.text), this.config.name);
        this.authentications++;
        return this.token;
      }
      const { message } = parseErrorBody(response.text);
      if ((response.status >= 500 || response.status === 429) && attempt < this.options.maxAttempts) {
        await sleep(retryAfterMs(response.headers['retry-after']) ?? this.backoff(attempt), signal);
        continue;
      }
      const who = this.config.authMethod === 'application_credential'
        ? `application credential ${this.config.applicationCredentialId ?? this.config.applicationCredentialName}`
        : `${this.config.authMethod} auth of user ${this.config.username ?? this.config.userId ?? '(token)'}`;
      throw new HybridError(
        ErrorCode.ProviderAuthFailed,
        `Keystone of cloud '${this.config.name}' refused the ${who}: ${response.status} ${message} (request id ${requestId ?? 'none given'})`,
      );
    }
  }

  private async endpoint(service: ServiceName, signal?: AbortSignal): Promise<string> {
    const cached = this.endpoints.get(service);
    if (cached) return cached;
    const token = await this.validToken(signal);
    const url = service === 'identity' ? identityBase(this.config.authUrl) : findEndpoint(token.catalog, service, this.config.interface, this.config.regionName, this.config.name);
    this.endpoints.set(service, url);
    return url;
  }

  private negotiate(service: ServiceName, signal?: AbortSignal): Promise<Microversion | undefined> {
    const preferred = PREFERRED_MICROVERSIONS[service];
    if (!preferred) return Promise.resolve(undefined);
    const pending = this.memo(`microversion:${service}`, () => this.discover(service, preferred));
    return signal ? raceAbort(pending, signal) : pending;
  }

  /** Reads the service's version document: the highest version both sides know wins. */
  private async discover(service: ServiceName, preferred: string): Promise<Microversion | undefined> {
    const base = await this.endpoint(service);
    const parsed = new URL(base);
    // `http://h:8776/v3/<project>` → `http://h:8776/v3/`; `http://h:8774/v2.1` → `http://h:8774/v2.1/`.
    const versionPath = /^(.*?\/v\d+(\.\d+)?)(\/|$)/.exec(parsed.pathname)?.[1] ?? '';
    const token = await this.validToken();
    const started = Date.now();
    const response = await this.transport.send({
      method: 'GET', url: new URL(`${parsed.origin}${versionPath}/`), timeoutMs: this.options.requestTimeoutMs,
      headers: { Accept: 'application/json', 'X-Auth-Token': token.value, 'User-Agent': 'hybrid-iac' },
    });
    const requestId = requestIdOf(response.headers);
    this.record(service, 'GET', `${versionPath}/`, response.status, started, requestId);
    // An error answer must not pass for "no microversions" (it would be kept for the whole run);
    // 300 Multiple Choices is how a service root lists its versions.
    if (response.status >= 400) {
      throw new OpenStackApiError({ service, method: 'GET', path: `${versionPath}/`, status: response.status, apiMessage: parseErrorBody(response.text).message, requestId });
    }
    const body = parseBody(response.text) ?? {};
    const documents: any[] = body.version ? [body.version] : Array.isArray(body.versions) ? body.versions : [];
    const major = versionPath.replace(/^.*\/v/, '').split('.')[0];
    const document = documents.find((candidate) => candidate.status === 'CURRENT' && String(candidate.id ?? '').startsWith(`v${major}`)) ??
      documents.find((candidate) => String(candidate.id ?? '').startsWith(`v${major}`)) ?? documents[0];
    const max = document?.version || document?.max_version;
    if (!max) return undefined; // a service without microversions: send none
    const min = document.min_version || '0';
    const version = compareVersions(max, preferred) < 0 ? max : preferred;
    if (compareVersions(version, min) < 0) return { version: min, max };
    return { version, max };
  }

  private url(service: ServiceName, base: string, path: string, query?: RequestOptions['query']): URL {
    const prefix = PATH_PREFIXES[service];
    let joined = path;
    if (prefix && base.endsWith(prefix) && path.startsWith(prefix)) joined = path.slice(prefix.length);
    const url = new URL(base + joined);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
      else url.searchParams.append(name, String(value));
    }
    return url;
  }

  private backoff(attempt: number): number {
    return Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), 10_000);
  }

  private record(service: string, method: string, path: string, status: number, started: number, requestId?: string): void {
    this.options.onRequest?.({ service, method, path, status, durationMs: Date.now() - started, requestId });
  }
}

function parseBody(text: string): any {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
