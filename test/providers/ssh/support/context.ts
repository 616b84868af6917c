/**
 * Hand-built OperationContexts for calling ssh provider handlers directly, as the engine would:
 * the instance placed on a Host view whose properties point at a real test sshd.
 */
import * as os from 'node:os';
import { InstanceView, LogLevel, OperationContext } from '../../../../lib/engine/provider';
import type { SshTestHost, SshTestHosts } from '../../../support/ssh/hosts';

export interface TestContext extends OperationContext {
  readonly logs: Array<{ level: LogLevel; message: string }>;
  /** Values the handler registered as secrets. */
  readonly secrets: string[];
}

/** Host properties that log in to a test host with the shared client key and its pinned fingerprint. */
export function hostProperties(hosts: SshTestHosts, name: string, overrides: { [key: string]: any } = {}): { [key: string]: any } {
  const host: SshTestHost = hosts.host(name);
  return {
    address: host.address,
    port: host.port,
    user: host.user,
    auth: { method: 'key_file', path: hosts.clientKey.privateKeyPath },
    host_key: { fingerprint: host.hostKeyFingerprint },
    connect_timeout: 5,
    ...overrides,
  };
}

export function hostView(node: string, properties: { [key: string]: any }, runtimeProperties: { [key: string]: any } = {}): InstanceView {
  return {
    id: `${node}_0`,
    node,
    type: 'hybrid.nodes.ssh.Host',
    typeHierarchy: ['hybrid.nodes.ssh.Host', 'cloudify.nodes.Compute', 'cloudify.nodes.Root'],
    properties,
    runtimeProperties,
  };
}

export interface ContextOptions {
  readonly implementation: string;
  /** The Host the instance is contained in; omitted for the Host's own operations. */
  readonly host?: InstanceView;
  readonly properties: { [name: string]: any };
  readonly runtimeProperties?: { [name: string]: any };
  readonly inputs?: { [name: string]: any };
  readonly type?: string;
  readonly instanceId?: string;
  readonly operationName?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly baseDirectory?: string;
}

export function sshContext(options: ContextOptions): TestContext {
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const secrets: string[] = [];
  const type = options.type ?? 'hybrid.nodes.ssh.Script';
  const instanceId = options.instanceId ?? 'node_0';
  return {
    stack: 'test',
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
    operation: {
      name: options.operationName ?? 'cloudify.interfaces.lifecycle.create',
      implementation: options.implementation,
      inputs: options.inputs ?? {},
      retryNumber: 0,
      timeoutMs: options.timeoutMs ?? 20_000,
    },
    identity: `test.${instanceId}`,
    signal: options.signal ?? new AbortController().signal,
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

/** The info lines a handler logged (the command's output). */
export function outputLines(context: TestContext): string[] {
  return context.logs.filter((entry) => entry.level === 'info').map((entry) => entry.message);
}
