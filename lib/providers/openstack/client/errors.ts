/**
 * What an OpenStack API answered when it was not a success, in one error type that every layer
 * reads the same way: the service, the request line, the status, the API's own message and fault
 * type, and the request id (every error names one, so an operator can find it in the logs).
 * Never holds a request body, a token or a credential.
 */

const OPENSTACK_API_ERROR = Symbol.for('hybrid.openstack.ApiError');

export interface ApiErrorDetails {
  readonly service: string;
  readonly method: string;
  /** The request path (and query), without scheme and host. */
  readonly path: string;
  readonly status: number;
  /** The API's own message (`NeutronError.message`, Nova's `badRequest.message`, ...). */
  readonly apiMessage: string;
  /** The API's fault type when it gives one (`OverQuota`, `NetworkInUse`, `itemNotFound`). */
  readonly faultType?: string;
  readonly requestId?: string;
  /** Set when the server asked the client to wait (Retry-After) before trying again. */
  readonly retryAfterMs?: number;
  /** Attempts made before giving up (1 when the error was not retried). */
  readonly attempts?: number;
  /** Whether trying again later may succeed (5xx, a conflict that settles, rate limits). */
  readonly retryable?: boolean;
}

export class OpenStackApiError extends Error {
  public static isApiError(x: unknown): x is OpenStackApiError {
    return typeof x === 'object' && x !== null && (x as any)[OPENSTACK_API_ERROR] === true;
  }

  public readonly service: string;
  public readonly method: string;
  public readonly path: string;
  public readonly status: number;
  public readonly apiMessage: string;
  public readonly faultType?: string;
  public readonly requestId?: string;
  public readonly retryAfterMs?: number;
  public readonly attempts: number;
  public readonly retryable: boolean;

  constructor(details: ApiErrorDetails) {
    const attempts = details.attempts ?? 1;
    super(
      `${details.service} ${details.method} ${details.path} answered ${details.status}` +
        `${details.faultType ? ` ${details.faultType}` : ''}: ${details.apiMessage || '(no message)'}` +
        ` (request id ${details.requestId ?? 'none given'}${attempts > 1 ? `; ${attempts} attempts` : ''})`,
    );
    Object.defineProperty(this, OPENSTACK_API_ERROR, { value: true });
    this.name = 'OpenStackApiError';
    this.service = details.service;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.apiMessage = details.apiMessage;
    this.faultType = details.faultType;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = attempts;
    this.retryable = details.retryable ?? false;
  }

  /** 404: the resource is not there (deleted, or never created). */
  public get notFound(): boolean {
    return this.status === 404;
  }

  /** The quota this error says was exceeded, or undefined when it is not a quota error. */
  public get quota(): string | undefined {
    return quotaName(this.status, this.faultType, this.apiMessage);
  }
}

/**
 * Neutron answers 409 `OverQuota` ("Quota exceeded for resources: ['port']"), Nova 403 ("Quota
 * exceeded for instances: Requested 1, but already used 2 of 2 instances"), Cinder 413
 * ("VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'").
 */
export function quotaName(status: number, faultType: string | undefined, message: string): string | undefined {
  const isQuota = faultType === 'OverQuota' || /quota/i.test(message) && (status === 403 || status === 409 || status === 413);
  if (!isQuota) return undefined;
  const patterns = [
    /Quota exceeded for resources: \[([^\]]*)\]/i,
    /Quota exceeded for ([a-z_, ]+?)[:.]/i,
    /for quota '([^']+)'/i,
    /exceeds allowed (\w+) quota/i,
    /quota[^a-z]+([a-z_]+)/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(message);
    if (match) return match[1].replace(/['"\s]/g, '');
  }
  return 'unknown';
}

/** The message and fault type out of an error body, whatever the service's format. */
export function parseErrorBody(text: string): { message: string; faultType?: string } {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    // Some errors come as HTML or plain text (a proxy, uwsgi, webob): keep the first readable line.
    const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    return { message: plain.slice(0, 300) };
  }
  if (body && typeof body === 'object') {
    if (body.NeutronError) return { message: String(body.NeutronError.message ?? ''), faultType: body.NeutronError.type };
    if (body.error && typeof body.error === 'object') {
      return { message: String(body.error.message ?? body.error.title ?? ''), faultType: body.error.title ?? (body.error.code !== undefined ? String(body.error.code) : undefined) };
    }
    if (typeof body.message === 'string') return { message: body.message, faultType: typeof body.title === 'string' ? body.title : undefined };
    if (Array.isArray(body.errors) && body.errors[0]) return { message: String(body.errors[0].detail ?? body.errors[0].title ?? ''), faultType: body.errors[0].code };
    // Nova and Cinder: { "itemNotFound": { "message": ..., "code": 404 } }
    const [key] = Object.keys(body);
    if (key && body[key] && typeof body[key] === 'object' && 'message' in body[key]) return { message: String(body[key].message), faultType: key };
  }
  return { message: text.slice(0, 300) };
}
