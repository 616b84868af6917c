import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { ENV_NAMES, checkString, checkStringMap } from '../../lib/core/validate';
import { Host } from './host';

const REMOTE_COMMAND_BRAND = Symbol.for('hybrid.RemoteCommand');
/** Runtime properties the provider keeps for itself. */
const RESERVED_OUTPUTS = ['ran_at'];
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Props every remote run shares (RemoteCommand, RemoteScript). */
export interface RemoteRunProps {
  /** The Host it runs on. */
  readonly host: Host;
  /**
   * Environment variables; values may be Refs to other nodes' attributes or secrets. They reach
   * the run through a quoted file, so any value is safe. @default - none
   */
  readonly env?: { [name: string]: string | Ref };
  /** Working directory on the host, absolute or relative to the login directory. @default - the login directory */
  readonly cwd?: string | Ref;
  /** Run as root through sudo, as the Host's `sudo` prop says. @default false */
  readonly sudo?: boolean;
  /** Outputs whose values are secret: encrypted in state, masked in logs and errors. @default - none */
  readonly secretOutputs?: string[];
  /** Values that, when they change, replace the run: delete runs, then create. @default - none */
  readonly triggers?: { [name: string]: string | Ref };
  /** Seconds each run may take before it is killed. @default - the engine's operation timeout */
  readonly timeout?: number;
}

/** Props of a RemoteCommand. */
export interface RemoteCommandProps extends RemoteRunProps {
  /**
   * Shell command (`/bin/sh`) run on deploy. To publish values, print a line `::hybrid-output::`
   * and then `key=value` lines (or `key<<EOF`, lines, `EOF` for a multi-line value); read them
   * with `output('key')`.
   */
  readonly create: string | Ref;
  /** Shell command run when the props change. @default - the create command runs again */
  readonly update?: string | Ref;
  /** Shell command run on destroy. @default - nothing runs on destroy */
  readonly delete?: string | Ref;
}

/** What a remote command or script publishes: its outputs, and when it last ran. */
export abstract class RemoteRun extends NodeTemplate {
  /**
   * A value the run printed after its `::hybrid-output::` line. For a name listed in
   * `secretOutputs` the value stays secret wherever the Ref is used.
   */
  public output(name: string): Ref {
    checkOutputName(this, name);
    return this.attr(name);
  }

  /** When the create (or update) run last finished, as an ISO time. */
  public get ranAt(): Ref {
    return this.attr('ran_at');
  }
}

/**
 * Shell commands run over SSH on a Host: one on create, one on update, one on delete, with
 * environment, working directory and sudo. Output streams to the log; a failure shows the exit
 * code and the last lines of output.
 */
export class RemoteCommand extends RemoteRun {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.ssh.Command';

  /** True for any RemoteCommand, even one made by another copy of this library. */
  public static isRemoteCommand(x: any): x is RemoteCommand {
    return typeof x === 'object' && x !== null && x[REMOTE_COMMAND_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: RemoteCommandProps) {
    super(scope, id, { type: RemoteCommand.NODE_TYPE });
    Object.defineProperty(this, REMOTE_COMMAND_BRAND, { value: true });
    applyRunProps(this, props, 'command');
  }
}

/** The props applyRunProps reads: a command's or a script's. */
interface RunProps extends RemoteRunProps {
  readonly create: string | Ref;
  readonly update?: string | Ref;
  readonly delete?: string | Ref;
  readonly args?: Array<string | Ref>;
}

/** Checks and sets the props of a remote command or script; returns the secret output names. */
export function applyRunProps(node: NodeTemplate, props: RunProps, kind: 'command' | 'script'): string[] {
  if (!Host.isHost(props.host)) throw invalidProps(node, `host must be a Host, got ${describeValue(props.host)}`);
  checkString(node, 'create', props.create, { nonEmpty: true });
  checkString(node, 'update', props.update, { optional: true });
  checkString(node, 'delete', props.delete, { optional: true });
  checkString(node, 'cwd', props.cwd, { optional: true });
  checkStringMap(node, 'env', props.env, { keys: ENV_NAMES });
  checkStringMap(node, 'triggers', props.triggers);
  if (props.sudo !== undefined && typeof props.sudo !== 'boolean') throw invalidProps(node, `sudo must be true or false, got ${describeValue(props.sudo)}`);
  if (props.args !== undefined) {
    if (!Array.isArray(props.args)) throw invalidProps(node, `args must be a list of strings, got ${describeValue(props.args)}`);
    props.args.forEach((arg, index) => checkString(node, `args[${index}]`, arg));
  }
  const secretOutputs = props.secretOutputs ?? [];
  if (!Array.isArray(secretOutputs)) throw invalidProps(node, `secretOutputs must be a list of output names, got ${describeValue(secretOutputs)}`);
  secretOutputs.forEach((name) => checkOutputName(node, name));
  if (props.timeout !== undefined && !(typeof props.timeout === 'number' && props.timeout > 0)) {
    throw invalidProps(node, `timeout must be a positive number of seconds, got ${describeValue(props.timeout)}`);
  }

  node.containedIn(props.host);
  for (const name of ['create', 'update', 'delete', 'env', 'cwd', 'sudo', 'triggers', 'args'] as const) {
    if (props[name] !== undefined) node.setProperty(name, Array.isArray(props[name]) ? [...(props[name] as any[])] : props[name]);
  }
  if (secretOutputs.length > 0) node.setProperty('secret_outputs', [...secretOutputs]);
  if (props.timeout !== undefined) {
    for (const phase of ['create', 'update', 'delete']) {
      node.addOperation('cloudify.interfaces.lifecycle', phase, { implementation: `hybrid.ssh.${kind}.${phase}`, timeout: props.timeout });
    }
  }
  return [...secretOutputs];
}

export function checkOutputName(node: NodeTemplate, name: unknown): void {
  if (typeof name !== 'string' || !OUTPUT_NAME.test(name) || RESERVED_OUTPUTS.includes(name)) {
    throw invalidProps(node, `output names must be letters, digits, '_', '.' and '-' (starting with a letter or '_', not ${RESERVED_OUTPUTS.join(', ')}), got ${describeValue(name)}`);
  }
}
