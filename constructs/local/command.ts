import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref } from '../../lib/core/refs';
import { ENV_NAMES, checkString, checkStringMap } from '../../lib/core/validate';

const LOCAL_COMMAND_BRAND = Symbol.for('hybrid.LocalCommand');
/** Runtime properties the provider keeps for itself. */
const RESERVED_OUTPUTS = ['ran_at'];

/** Props of a LocalCommand. */
export interface LocalCommandProps {
  /**
   * Shell command (`/bin/sh -c`) run on deploy. To publish values, print a line
   * `::hybrid-output::` and then `key=value` lines; read them with `output('key')`.
   */
  readonly create: string | Ref;
  /** Shell command run on destroy. @default - nothing runs on destroy */
  readonly delete?: string | Ref;
  /** Shell command run when the props change. @default - the create command runs again */
  readonly update?: string | Ref;
  /** Environment variables, added to the deploying process's environment. @default - none */
  readonly env?: { [name: string]: string | Ref };
  /** Working directory, absolute or relative to the stack directory. @default - the stack directory */
  readonly cwd?: string | Ref;
  /**
   * Values that, when they change, replace the command: the delete command runs, then the create
   * command (e.g. `{ version: app.sha256 }`). @default - none
   */
  readonly triggers?: { [name: string]: string | Ref };
}

/**
 * Shell commands run on the deploying machine: one on create, one on update and one on delete.
 * A command's effects are invisible to hybrid, so it runs again only when its props change.
 */
export class LocalCommand extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.local.Command';

  /** True for any LocalCommand, even one made by another copy of this library. */
  public static isLocalCommand(x: any): x is LocalCommand {
    return typeof x === 'object' && x !== null && x[LOCAL_COMMAND_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: LocalCommandProps) {
    super(scope, id, { type: LocalCommand.NODE_TYPE });
    Object.defineProperty(this, LOCAL_COMMAND_BRAND, { value: true });
    checkString(this, 'create', props.create, { nonEmpty: true });
    checkString(this, 'delete', props.delete, { optional: true });
    checkString(this, 'update', props.update, { optional: true });
    checkString(this, 'cwd', props.cwd, { optional: true });
    checkStringMap(this, 'env', props.env, { keys: ENV_NAMES });
    checkStringMap(this, 'triggers', props.triggers);
    for (const name of ['create', 'delete', 'update', 'cwd', 'env', 'triggers'] as const) {
      if (props[name] !== undefined) this.setProperty(name, props[name]);
    }
  }

  /** A value the command printed after its `::hybrid-output::` line as `name=value`. */
  public output(name: string): Ref {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || RESERVED_OUTPUTS.includes(name)) {
      throw invalidProps(this, `output name must be letters, digits, '_', '.' and '-' (starting with a letter or '_', not ${RESERVED_OUTPUTS.join(', ')}), got ${JSON.stringify(name)}`);
    }
    return this.attr(name);
  }

  /** When the create (or update) command last finished, as an ISO time. */
  public get ranAt(): Ref {
    return this.attr('ran_at');
  }
}
