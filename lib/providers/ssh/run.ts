/**
 * `hybrid.nodes.ssh.Command` and `hybrid.nodes.ssh.Script`: commands or scripts run on the
 * containing Host on create, update and delete; and `hybrid.ssh.run`, the same runner for any
 * operation (a relationship's `establish`, a custom operation) of a node contained in a Host,
 * taking the script and its settings from the operation's inputs — Cloudify's Fabric
 * `run_script`. A worker joining a master reads the master's attributes through those inputs:
 * `env: { JOIN_COMMAND: { get_attribute: [TARGET, join_command] } }`.
 */
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { ConnectionPool } from './connections';
import { argStrings, envStrings } from './quoting';
import { RunSpec, runScript } from './remote-run';
import { withHost } from './session';

/** The runtime property create records: the evidence that the create command ran to the end. */
export const RAN_AT = 'ran_at';

type Phase = 'create' | 'update' | 'delete';
type Kind = 'command' | 'script';

function stringOf(source: { readonly [key: string]: any }, name: string, what: string): string {
  const value = source[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new NonRecoverableError(`${what} '${name}' must be a string, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value;
}

function booleanOf(source: { readonly [key: string]: any }, name: string, what: string): boolean {
  const value = source[name] ?? false;
  if (typeof value !== 'boolean') throw new NonRecoverableError(`${what} '${name}' must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function namesOf(source: { readonly [key: string]: any }, name: string, what: string): string[] {
  const value = source[name] ?? [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new NonRecoverableError(`${what} '${name}' must be a list of output names, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The settings shared by every run, from node properties or operation inputs. */
function runSettings(source: { readonly [key: string]: any }, what: 'property' | 'input'): Omit<RunSpec, 'label' | 'script'> {
  return {
    args: argStrings(source.args, `${what} 'args'`),
    env: envStrings(source.env, `${what} 'env'`),
    cwd: stringOf(source, 'cwd', what),
    sudo: booleanOf(source, 'sudo', what),
    secretOutputs: namesOf(source, 'secret_outputs', what),
  };
}

/** Outputs as runtime properties, with those declared secret named as such. */
function resultOf(context: OperationContext, outputs: { [name: string]: string }, secretOutputs: ReadonlyArray<string>, ranAt: boolean): OperationResult {
  const runtimeProperties: { [name: string]: string } = { ...outputs };
  if (ranAt) {
    if (RAN_AT in outputs) context.log('warn', `the output '${RAN_AT}' is reserved by hybrid and was ignored`);
    runtimeProperties[RAN_AT] = new Date().toISOString();
  }
  const secrets = secretOutputs.filter((name) => name in outputs);
  return { runtimeProperties, ...(secrets.length > 0 ? { secretRuntimeProperties: secrets } : {}) };
}

function nodeOperations(pool: ConnectionPool, kind: Kind) {
  const run = async (context: OperationContext, phase: Phase, text: string) => {
    const settings = runSettings(kind === 'command' ? { ...context.instance.properties, args: [] } : context.instance.properties, 'property');
    const spec: RunSpec = { label: `the ${phase} ${kind}`, script: text, ...settings, ...(kind === 'command' ? { interpreter: ['/bin/sh'] } : {}) };
    const { outputs } = await withHost(pool, context, (connection) => runScript(connection, context, spec));
    return { outputs, secretOutputs: settings.secretOutputs };
  };

  const create = async (context: OperationContext): Promise<OperationResult> => {
    const text = stringOf(context.instance.properties, 'create', 'property');
    if (text.trim() === '') throw new NonRecoverableError(`property 'create' must be a non-empty ${kind}`);
    const { outputs, secretOutputs } = await run(context, 'create', text);
    return resultOf(context, outputs, secretOutputs, true);
  };

  /** With no update text, a change runs create again (the old delete text is not known here). */
  const update = async (context: OperationContext): Promise<OperationResult> => {
    const text = stringOf(context.instance.properties, 'update', 'property');
    if (text.trim() === '') {
      context.log('info', `no update ${kind}: running the create ${kind} again`);
      return create(context);
    }
    const { outputs, secretOutputs } = await run(context, 'update', text);
    return resultOf(context, outputs, secretOutputs, true);
  };

  const remove = async (context: OperationContext): Promise<OperationResult> => {
    const text = stringOf(context.instance.properties, 'delete', 'property');
    if (text.trim() === '') return {};
    await run(context, 'delete', text);
    return {};
  };

  /** What a command did cannot be observed: it "exists" once create ran to the end, and never drifts. */
  const read = async (context: OperationContext): Promise<ReadResult> => ({ exists: context.instance.runtimeProperties[RAN_AT] !== undefined });

  return {
    [`hybrid.ssh.${kind}.create`]: create,
    [`hybrid.ssh.${kind}.update`]: update,
    [`hybrid.ssh.${kind}.delete`]: remove,
    [`hybrid.ssh.${kind}.read`]: read,
  };
}

/** `hybrid.ssh.run`: inputs `script` (or `command`), `args`, `env`, `cwd`, `sudo`, `secret_outputs`. */
function runOperation(pool: ConnectionPool) {
  return async (context: OperationContext): Promise<OperationResult> => {
    const inputs = context.operation.inputs;
    const script = stringOf(inputs, 'script', 'input') || stringOf(inputs, 'command', 'input');
    if (script.trim() === '') throw new NonRecoverableError(`${context.operation.implementation} needs the input 'script' (a script or shell command), got none`);
    const settings = runSettings(inputs, 'input');
    const operation = context.operation.name.slice(context.operation.name.lastIndexOf('.') + 1);
    const spec: RunSpec = { label: `the ${operation} script`, script, ...settings };
    const { outputs } = await withHost(pool, context, (connection) => runScript(connection, context, spec));
    return resultOf(context, outputs, settings.secretOutputs, false);
  };
}

export function runOperations(pool: ConnectionPool) {
  return { ...nodeOperations(pool, 'command'), ...nodeOperations(pool, 'script'), 'hybrid.ssh.run': runOperation(pool) };
}
