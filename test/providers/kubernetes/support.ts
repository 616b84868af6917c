/**
 * Calling kubernetes provider operations directly, as the engine would: a hand-built
 * OperationContext (properties already resolved) that collects logs, progress and the values
 * registered as secrets.
 */
import * as os from 'node:os';
import { LogLevel, OperationContext, OperationResult, Provider, ReadResult } from '../../../lib/engine/provider';

export interface KubernetesTestContext extends OperationContext {
  readonly logs: Array<{ level: LogLevel; message: string }>;
  readonly progressMessages: string[];
  readonly secrets: string[];
}

export type Operation = 'create' | 'wait' | 'update' | 'delete' | 'read';

export interface CallOptions {
  readonly runtimeProperties?: { [name: string]: any };
  readonly instanceId?: string;
  readonly signal?: AbortSignal;
}

export function kubernetesContext(operation: Operation, properties: { [name: string]: any }, options: CallOptions = {}): KubernetesTestContext {
  const instanceId = options.instanceId ?? `${properties.definition?.metadata?.name ?? 'object'}_0`;
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const progressMessages: string[] = [];
  const secrets: string[] = [];
  return {
    stack: 'provider-test',
    baseDirectory: os.tmpdir(),
    workDirectory: os.tmpdir(),
    instance: {
      id: instanceId,
      node: instanceId.replace(/_\d+$/, ''),
      type: 'hybrid.nodes.kubernetes.Resource',
      typeHierarchy: ['hybrid.nodes.kubernetes.Resource', 'cloudify.nodes.Root'],
      properties,
      runtimeProperties: options.runtimeProperties ?? {},
    },
    operation: { name: `cloudify.interfaces.lifecycle.${operation}`, implementation: `hybrid.kubernetes.resource.${operation}`, inputs: {}, retryNumber: 0, timeoutMs: 60_000 },
    identity: `provider-test.${instanceId}`,
    signal: options.signal ?? new AbortController().signal,
    logs,
    progressMessages,
    secrets,
    log(level, message) {
      logs.push({ level, message });
    },
    progress(message) {
      progressMessages.push(message);
    },
    registerSecret(value) {
      secrets.push(value);
    },
  };
}

/** Runs one operation of the provider; returns its result and the context it ran with. */
export async function call(provider: Provider, operation: Operation, properties: { [name: string]: any }, options: CallOptions = {}): Promise<{ result: OperationResult & ReadResult; context: KubernetesTestContext }> {
  const context = kubernetesContext(operation, properties, options);
  const result = (await provider.operations[context.operation.implementation](context)) ?? {};
  return { result: result as OperationResult & ReadResult, context };
}

/** Create then wait, as the engine's install does; returns the merged runtime properties. */
export async function install(provider: Provider, properties: { [name: string]: any }, options: CallOptions = {}): Promise<{ [name: string]: any }> {
  const created = await call(provider, 'create', properties, options);
  const waited = await call(provider, 'wait', properties, { ...options, runtimeProperties: created.result.runtimeProperties });
  return { ...created.result.runtimeProperties, ...waited.result.runtimeProperties };
}

/** The error an operation fails with (the test fails if it succeeds). */
export async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}
