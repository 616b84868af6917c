/**
 * Calling OpenStack provider handlers directly, as the engine would: a hand-built
 * OperationContext with resolved properties, the instance's runtime properties carried from one
 * call to the next, and logs and secrets collected for assertions.
 */
import { LogLevel, OperationContext, OperationResult, Provider } from '../../../lib/engine/provider';
import type { TestProject } from '../../support/openstack/cloud';

export interface Instance {
  readonly id: string;
  readonly identity: string;
  runtime: { [name: string]: any };
  readonly logs: Array<{ level: LogLevel; message: string }>;
  readonly secrets: string[];
}

export interface CallOptions {
  readonly retryNumber?: number;
  readonly signal?: AbortSignal;
}

/** Drives one provider on behalf of instances of one stack. */
export class Driver {
  constructor(private readonly provider: Provider, private readonly project: TestProject, public readonly stack: string) {}

  public instance(id: string): Instance {
    return { id, identity: `${this.stack}.${id}`, runtime: {}, logs: [], secrets: [] };
  }

  /** Runs `hybrid.openstack.<kind>.<operation>` and merges what it returns into the instance. */
  public async call(kind: string, operation: 'create' | 'read' | 'update' | 'delete', instance: Instance, properties: { [name: string]: any }, options: CallOptions = {}): Promise<any> {
    const implementation = `hybrid.openstack.${kind}.${operation}`;
    const handler = this.provider.operations[implementation];
    if (!handler) throw new Error(`no handler ${implementation}`);
    const context: OperationContext = {
      stack: this.stack,
      baseDirectory: process.cwd(),
      workDirectory: process.cwd(),
      instance: {
        id: instance.id,
        node: instance.id.replace(/_\d+$/, ''),
        type: `hybrid.nodes.openstack.${kind}`,
        typeHierarchy: [`hybrid.nodes.openstack.${kind}`, 'cloudify.nodes.Root'],
        properties: { cloud: this.project.cloud, ...properties },
        runtimeProperties: { ...instance.runtime },
      },
      operation: { name: `cloudify.interfaces.lifecycle.${operation}`, implementation, inputs: {}, retryNumber: options.retryNumber ?? 0, timeoutMs: 300_000 },
      identity: instance.identity,
      signal: options.signal ?? new AbortController().signal,
      log: (level, message) => instance.logs.push({ level, message }),
      progress: () => undefined,
      registerSecret: (value) => instance.secrets.push(value),
    };
    const started = Date.now();
    if (process.env.HYBRID_TEST_TRACE) console.log(`${implementation} ${instance.id} ...`);
    const result = (await handler(context)) as (OperationResult & { exists?: boolean }) | undefined;
    if (process.env.HYBRID_TEST_TRACE) console.log(`${implementation} ${instance.id} done in ${Date.now() - started} ms`);
    if (result?.runtimeProperties) instance.runtime = { ...instance.runtime, ...result.runtimeProperties };
    for (const name of result?.removeRuntimeProperties ?? []) delete instance.runtime[name];
    return result;
  }
}
