/**
 * A hand-built OperationContext for calling local provider handlers directly, as the engine
 * would: properties already resolved, logs and progress collected for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogLevel, OperationContext } from '../../../lib/engine/provider';

export interface TestContext extends OperationContext {
  readonly logs: Array<{ level: LogLevel; message: string }>;
}

export interface ContextOptions {
  readonly implementation: string;
  readonly properties: { [name: string]: any };
  readonly runtimeProperties?: { [name: string]: any };
  readonly baseDirectory: string;
  readonly workDirectory?: string;
  readonly instanceId?: string;
  readonly type?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export function testContext(options: ContextOptions): TestContext {
  const instanceId = options.instanceId ?? 'node_1';
  const logs: Array<{ level: LogLevel; message: string }> = [];
  return {
    stack: 'test',
    baseDirectory: options.baseDirectory,
    workDirectory: options.workDirectory ?? path.join(options.baseDirectory, '.hybrid', 'test', 'local'),
    instance: {
      id: instanceId,
      node: instanceId.replace(/_\d+$/, ''),
      type: options.type ?? 'hybrid.nodes.local.Command',
      typeHierarchy: [options.type ?? 'hybrid.nodes.local.Command', 'cloudify.nodes.Root'],
      properties: options.properties,
      runtimeProperties: options.runtimeProperties ?? {},
    },
    operation: {
      name: 'cloudify.interfaces.lifecycle.create',
      implementation: options.implementation,
      inputs: {},
      retryNumber: 0,
      timeoutMs: options.timeoutMs ?? 20_000,
    },
    // Unique per test process so parallel jest workers never adopt each other's processes.
    identity: `test-${process.pid}.${instanceId}`,
    signal: options.signal ?? new AbortController().signal,
    logs,
    log(level, message) {
      logs.push({ level, message });
    },
    progress() {},
    registerSecret() {},
  };
}

/** A fresh temp directory; remove it with `removeTempDirectory`. */
export function tempDirectory(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'hybrid-local-'));
}

export function removeTempDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}
