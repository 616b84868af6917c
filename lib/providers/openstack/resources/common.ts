/**
 * What every OpenStack resource handler shares: reading properties of hand-written blueprints
 * safely, the deterministic identity markers, waiting, and turning API errors into the engine's
 * error classes (retry, fail now, or bad credentials).
 */
import { createHash } from 'node:crypto';
import { HybridError } from '../../../core/errors';
import { NonRecoverableError, OperationContext, RecoverableError, sleep } from '../../../engine/provider';

import { OpenStackApiError } from '../client/errors';
import { TransportError } from '../client/http';

/** For work shared by every operation of a run (OpenStackClient.memo): no one operation may cancel it. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

// ---- properties ---------------------------------------------------------------------------------

export function str(context: OperationContext, name: string, fallback = ''): string {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new NonRecoverableError(`property '${name}' must be a string, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value;
}

export function bool(context: OperationContext, name: string, fallback: boolean): boolean {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new NonRecoverableError(`property '${name}' must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function int(context: OperationContext, name: string, fallback?: number): number | undefined {
  const value = context.instance.properties[name];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new NonRecoverableError(`property '${name}' must be a whole number, got ${JSON.stringify(value)}`);
  return value;
}

export function list<T = any>(context: OperationContext, name: string): T[] {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NonRecoverableError(`property '${name}' must be a list, got ${typeof value}`);
  return value;
}

export function dict(context: OperationContext, name: string): { [key: string]: any } {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new NonRecoverableError(`property '${name}' must be a dict, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value;
}

/** A string property that must be set. */
export function required(context: OperationContext, name: string): string {
  const value = str(context, name);
  if (value === '') throw new NonRecoverableError(`property '${name}' is required`);
  return value;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export function looksLikeId(value: string): boolean {
  return UUID.test(value);
}

// ---- identity -----------------------------------------------------------------------------------

/** Metadata keys (Nova, Cinder) that carry the identity. */
export const IDENTITY_KEY = 'hybrid_identity';
export const STACK_KEY = 'hybrid_stack';

/** The `metadata` property (values as strings) plus the identity keys: Nova's and Cinder's metadata. */
export function identityMetadata(context: OperationContext): { [key: string]: string } {
  const result: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(dict(context, 'metadata'))) result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return { ...result, [IDENTITY_KEY]: context.identity, [STACK_KEY]: context.stack };
}

/**
 * The tag that marks a resource as this instance's: `hybrid:<stack>.<instance>`. Nova limits tags
 * to 60 characters, so a longer identity is shortened to a hash (still unique and stable).
 */
export function identityTag(identity: string): string {
  const tag = `hybrid:${identity}`;
  return tag.length <= 60 && !/[,/]/.test(tag) ? tag : `hybrid:${createHash('sha256').update(identity).digest('hex').slice(0, 40)}`;
}

/** The tag that marks every resource of a stack: `hybrid-stack:<stack>`. */
export function stackTag(stack: string): string {
  const tag = `hybrid-stack:${stack}`;
  return tag.length <= 60 && !/[,/]/.test(tag) ? tag : `hybrid-stack:${createHash('sha256').update(stack).digest('hex').slice(0, 40)}`;
}

/** The resource name: the one the properties give, else the identity (readable and unique). */
export function resourceName(context: OperationContext): string {
  return str(context, 'name') || context.identity;
}

// ---- waiting ------------------------------------------------------------------------------------

export interface WaitOptions {
  readonly signal: AbortSignal;
  /** Shown as progress while waiting, e.g. `server web.vm_0 BUILD`. */
  readonly describe?: (value: any) => string;
  readonly progress?: (message: string) => void;
  /** First poll delay, growing by half each time up to `maxIntervalMs`. @default 500 */
  readonly intervalMs?: number;
  /** @default 3000 */
  readonly maxIntervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than undefined. The engine's operation timeout
 * aborts the signal, so the wait needs no deadline of its own.
 */
export async function poll<T>(check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  let delay = options.intervalMs ?? 500;
  const maxDelay = options.maxIntervalMs ?? 3000;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    await sleep(delay, options.signal);
    delay = Math.min(Math.round(delay * 1.5), maxDelay);
  }
}

/** Waits until `get` finds nothing: the resource is gone. */
export function waitGone(get: () => Promise<unknown>, options: WaitOptions): Promise<true> {
  return poll(async () => ((await get()) ? undefined : true), options);
}

/** A request's onRetry that logs `retrying <what> in <n> ms: <why>`. */
export function logRetries(context: OperationContext, what: string): (error: Error, delayMs: number) => void {
  return (error, delayMs) => context.log('info', `retrying ${what} in ${Math.round(delayMs)} ms: ${error.message}`);
}

// ---- errors -------------------------------------------------------------------------------------

/**
 * Maps a failure to what the engine does with it: quota and other client errors fail the
 * instance now, 5xx and settling conflicts are retried (after Retry-After when given), auth
 * errors keep their ProviderAuthFailed code. Messages keep the API's words and request id.
 */
export function toOperationError(error: unknown, doing: string): Error {
  if (HybridError.isHybridError(error) || error instanceof NonRecoverableError || error instanceof RecoverableError) return error as Error;
  if (OpenStackApiError.isApiError(error)) {
    const quota = error.quota;
    if (quota) {
      return new NonRecoverableError(`${doing}: quota exceeded for ${quota}: ${error.apiMessage} (request id ${error.requestId ?? 'none given'}); raise the project's ${quota} quota or free some`, { cause: error });
    }
    if (error.retryable) return new RecoverableError(`${doing}: ${error.message}`, { cause: error, retryAfterMs: error.retryAfterMs });
    return new NonRecoverableError(`${doing}: ${error.message}`, { cause: error });
  }
  if (error instanceof TransportError) {
    // Keeps its errno code so that the engine's transient-error check sees it.
    const wrapped = new RecoverableError(`${doing}: ${error.message}`, { cause: error });
    (wrapped as any).code = error.code;
    return wrapped;
  }
  return error as Error;
}
