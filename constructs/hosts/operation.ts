import { ErrorCode, HybridError } from '../../lib/core/errors';
import { OperationProps } from '../../lib/core/operation';
import { Ref, describeValue } from '../../lib/core/refs';

/** Settings of a script run as an operation. */
export interface RemoteScriptOperationOptions {
  /**
   * Environment variables; in a relationship operation, `Fn.targetAttribute('join_command')`
   * reads the target's attributes when the operation runs. @default - none
   */
  readonly env?: { [name: string]: string | Ref };
  /** Arguments (`$1`, `$2`, ...). @default - none */
  readonly args?: Array<string | Ref>;
  /** Working directory on the host. @default - the login directory */
  readonly cwd?: string | Ref;
  /** Run as root through sudo. @default false */
  readonly sudo?: boolean;
  /** Outputs whose values are secret. @default - none */
  readonly secretOutputs?: string[];
  /** Seconds before the run is killed. @default - the engine's operation timeout */
  readonly timeout?: number;
  /** Retries after a recoverable failure (a lost connection). @default - the engine's default */
  readonly maxRetries?: number;
}

/**
 * Operations that run a script over SSH (`hybrid.ssh.run`, Cloudify's Fabric `run_script`) on
 * the Host the node is contained in. Use them as lifecycle operations of any node placed on a
 * Host, or as relationship operations: a worker's `establish` that joins the master it connects
 * to, reading the master's published outputs through `Fn.targetAttribute(...)`. Outputs the
 * script prints become attributes of the node that runs it.
 */
export class RemoteOperation {
  /** An operation that runs `script` (with its `#!` interpreter, default /bin/sh) on the node's host. */
  public static script(script: string | Ref, options: RemoteScriptOperationOptions = {}): OperationProps {
    if (!Ref.isRef(script) && (typeof script !== 'string' || script.trim() === '')) {
      throw new HybridError(ErrorCode.InvalidProps, `RemoteOperation.script takes the script text, got ${describeValue(script)}`);
    }
    const inputs: { [name: string]: any } = { script };
    if (options.env !== undefined) inputs.env = options.env;
    if (options.args !== undefined) inputs.args = [...options.args];
    if (options.cwd !== undefined) inputs.cwd = options.cwd;
    if (options.sudo !== undefined) inputs.sudo = options.sudo;
    if (options.secretOutputs !== undefined) inputs.secret_outputs = [...options.secretOutputs];
    return {
      implementation: 'hybrid.ssh.run',
      inputs,
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    };
  }

  private constructor() {}
}
