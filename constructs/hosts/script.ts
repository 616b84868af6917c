import { Construct } from 'constructs';
import { Ref } from '../../lib/core/refs';
import { RemoteRun, RemoteRunProps, applyRunProps } from './command';

const REMOTE_SCRIPT_BRAND = Symbol.for('hybrid.RemoteScript');

/** Props of a RemoteScript. */
export interface RemoteScriptProps extends RemoteRunProps {
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
}

/**
 * Scripts run over SSH on a Host: the text is uploaded to a private directory and run with its
 * interpreter, arguments, environment and (optionally) sudo. A script that publishes outputs is
 * how one node hands data to others (an address, a token, a kubeconfig).
 */
export class RemoteScript extends RemoteRun {
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
}
