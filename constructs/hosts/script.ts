import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Ref } from '../../lib/core/refs';
import { applyRunProps, checkOutputName } from './command';
import { Host } from './host';

const REMOTE_SCRIPT_BRAND = Symbol.for('hybrid.RemoteScript');

/** Props of a RemoteScript. */
export interface RemoteScriptProps {
  /** The Host it runs on. */
  readonly host: Host;
  /**
   * The script run on deploy: its text, run by the interpreter its `#!` line names (default
   * `/bin/sh`). To publish values, print `::hybrid-output::` and then `key=value` lines (or
   * `key<<EOF`, lines, `EOF`); read them with `output('key')`.
   */
  readonly create: string | Ref;
  /** The script run when the props change. @default - the create script runs again */
  readonly update?: string | Ref;
  /** The script run on destroy. @default - nothing runs on destroy */
  readonly delete?: string | Ref;
  /** Arguments every script gets (`$1`, `$2`, ...). @default - none */
  readonly args?: Array<string | Ref>;
  /** Environment variables; values may be Refs to other nodes' attributes or secrets. @default - none */
  readonly env?: { [name: string]: string | Ref };
  /** Working directory on the host, absolute or relative to the login directory. @default - the login directory */
  readonly cwd?: string | Ref;
  /** Run as root through sudo, as the Host's `sudo` prop says. @default false */
  readonly sudo?: boolean;
  /** Outputs whose values are secret: encrypted in state, masked in logs and errors. @default - none */
  readonly secretOutputs?: string[];
  /** Values that, when they change, replace the script: delete runs, then create. @default - none */
  readonly triggers?: { [name: string]: string | Ref };
  /** Seconds each run may take before it is killed. @default - the engine's operation timeout */
  readonly timeout?: number;
}

/**
 * Scripts run over SSH on a Host: the text is uploaded to a private directory and run with its
 * interpreter, arguments, environment and (optionally) sudo. A script that publishes outputs is
 * how one node hands data to others (an address, a token, a kubeconfig).
 */
export class RemoteScript extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.ssh.Script';

  /** True for any RemoteScript, even one made by another copy of this library. */
  public static isRemoteScript(x: any): x is RemoteScript {
    return typeof x === 'object' && x !== null && x[REMOTE_SCRIPT_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: RemoteScriptProps) {
    super(scope, id, { type: RemoteScript.NODE_TYPE });
    Object.defineProperty(this, REMOTE_SCRIPT_BRAND, { value: true });
    applyRunProps(this, props, 'script');
  }

  /** A value the script printed after its `::hybrid-output::` line. */
  public output(name: string): Ref {
    checkOutputName(this, name);
    return this.attr(name);
  }

  /** When the create (or update) script last finished, as an ISO time. */
  public get ranAt(): Ref {
    return this.attr('ran_at');
  }
}
