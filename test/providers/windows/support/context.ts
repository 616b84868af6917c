/**
 * Hand-built OperationContexts for calling windows provider handlers directly, as the engine
 * would: a Service instance contained in a Host view whose properties point at the Wine test host.
 */
import * as os from 'node:os';
import { InstanceView, LogLevel, OperationContext, OperationResult } from '../../../../lib/engine/provider';
import type { WindowsTestHost } from '../../../support/windows/wine-host';

export interface TestContext extends OperationContext {
  readonly logs: Array<{ level: LogLevel; message: string }>;
  readonly secrets: string[];
}

/** Host properties that log in to the Wine test host with its key, its host key pinned. */
export function hostProperties(host: WindowsTestHost, overrides: { [key: string]: any } = {}): { [key: string]: any } {
  return {
    address: host.address,
    port: host.port,
    user: host.user,
    auth: { method: 'key_file', path: host.privateKeyPath },
    host_key: { fingerprint: host.hostKeyFingerprint },
    connect_timeout: 10,
    ...overrides,
  };
}

export function hostView(properties: { [key: string]: any }, runtimeProperties: { [key: string]: any } = {}): InstanceView {
  return {
    id: 'win_0',
    node: 'win',
    type: 'hybrid.nodes.windows.Host',
    typeHierarchy: ['hybrid.nodes.windows.Host', 'cloudify.nodes.Compute', 'cloudify.nodes.Root'],
    properties,
    runtimeProperties,
  };
}

export interface ContextOptions {
  readonly implementation: string;
  readonly properties: { [name: string]: any };
  /** The Host the instance is contained in; omitted for the Host's own operations. */
  readonly host?: InstanceView;
  readonly runtimeProperties?: { [name: string]: any };
  readonly type?: string;
  readonly instanceId?: string;
  readonly baseDirectory?: string;
  readonly stack?: string;
}

export function windowsContext(options: ContextOptions): TestContext {
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const secrets: string[] = [];
  const type = options.type ?? 'hybrid.nodes.windows.Service';
  const instanceId = options.instanceId ?? 'svc_0';
  return {
    stack: options.stack ?? 'test',
    baseDirectory: options.baseDirectory ?? os.tmpdir(),
    workDirectory: os.tmpdir(),
    instance: {
      id: instanceId,
      node: instanceId.replace(/_\d+$/, ''),
      type,
      typeHierarchy: [type, 'cloudify.nodes.Root'],
      properties: options.properties,
      runtimeProperties: options.runtimeProperties ?? {},
      ...(options.host ? { host: options.host } : {}),
    },
    operation: { name: 'cloudify.interfaces.lifecycle.create', implementation: options.implementation, inputs: {}, retryNumber: 0, timeoutMs: 60_000 },
    identity: `${options.stack ?? 'test'}.${instanceId}`,
    signal: new AbortController().signal,
    logs,
    secrets,
    log(level, message) {
      logs.push({ level, message });
    },
    progress() {},
    registerSecret(value) {
      secrets.push(value);
    },
  };
}

/**
 * Plays the engine for one service instance: calls operations by short name with the same
 * properties, carrying runtime properties from one call to the next as the engine's state does.
 */
export class ServiceDriver {
  public runtime: { [name: string]: any } = {};
  public last?: TestContext;

  constructor(
    private readonly operations: { readonly [implementation: string]: (context: OperationContext) => Promise<any> },
    private readonly host: InstanceView,
    public properties: { [name: string]: any },
    private readonly options: Partial<ContextOptions> = {},
  ) {}

  public async call(operation: 'create' | 'start' | 'update' | 'stop' | 'delete' | 'read' | 'status'): Promise<any> {
    const context = windowsContext({ implementation: `hybrid.windows.service.${operation}`, properties: this.properties, host: this.host, runtimeProperties: this.runtime, ...this.options });
    this.last = context;
    const result = (await this.operations[context.operation.implementation](context)) as OperationResult | undefined;
    for (const [name, value] of Object.entries(result?.runtimeProperties ?? {})) this.runtime[name] = value;
    for (const name of result?.removeRuntimeProperties ?? []) delete this.runtime[name];
    return result;
  }

  /** The messages of the last call's logs. */
  public messages(): string[] {
    return this.last?.logs.map((entry) => entry.message) ?? [];
  }
}
