import { ErrorCode } from './errors';
import { errorHere } from './location';
import { checkWhole } from './validate';

/** A lifecycle or relationship operation: what implements it and with which inputs. */
export interface OperationProps {
  /**
   * A provider operation (`hybrid.local.command.run`) or a script written next to the blueprint
   * (see `Script`).
   */
  readonly implementation: string | Script;
  /** Operation inputs; values may be Refs. @default - none */
  readonly inputs?: { [name: string]: any };
  /** Retries for recoverable failures; -1 retries forever. @default - the engine's default (3) */
  readonly maxRetries?: number;
  /** Seconds between retries. @default - the engine's default backoff */
  readonly retryInterval?: number;
  /** Seconds before the operation is abandoned as timed out. @default - the engine's default (600) */
  readonly timeout?: number;
}

const SCRIPT_BRAND = Symbol.for('hybrid.Script');

/**
 * A script that an operation runs (Cloudify's script plugin semantics): synth writes it next to
 * the blueprint and the operation's implementation becomes its relative path.
 */
export class Script {
  public static isScript(x: any): x is Script {
    return typeof x === 'object' && x !== null && x[SCRIPT_BRAND] === true;
  }

  /** A script whose text is given inline. `fileName` is its name under `scripts/`. */
  public static inline(fileName: string, content: string): Script {
    if (!/^[A-Za-z0-9._-]+$/.test(fileName)) {
      throw errorHere(ErrorCode.InvalidProps, `script file name must be letters, digits, '.', '_' and '-', got ${JSON.stringify(fileName)}`);
    }
    return new Script(fileName, content);
  }

  private constructor(public readonly fileName: string, public readonly content: string) {
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(Script.prototype, SCRIPT_BRAND, { value: true });

/** An operation as a node template stores it: validated props; synth writes it in Cloudify's long form. */
export interface OperationSpec {
  /** A provider operation name or a Script. */
  readonly implementation: string | Script;
  /** Operation inputs; values may be Refs. @default - none */
  readonly inputs?: { [name: string]: any };
  /** `max_retries` in the blueprint. @default - the engine's default */
  readonly maxRetries?: number;
  /** `retry_interval` in the blueprint. @default - the engine's default */
  readonly retryInterval?: number;
  /** `timeout` in the blueprint. @default - the engine's default */
  readonly timeout?: number;
}

/** Validates operation props (or a bare implementation name) into an OperationSpec. */
export function toOperationSpec(props: OperationProps | string, where: string): OperationSpec {
  if (typeof props === 'string') return { implementation: props };
  if (typeof props !== 'object' || props === null) {
    throw errorHere(ErrorCode.InvalidProps, `${where}: an operation is an implementation name or { implementation, inputs, ... }, got ${typeof props}`);
  }
  checkWhole((message) => errorHere(ErrorCode.InvalidProps, `${where}: ${message}`), 'maxRetries (-1 for no limit)', props.maxRetries, -1, undefined, { refs: false });
  for (const [field, value] of [['retryInterval', props.retryInterval], ['timeout', props.timeout]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw errorHere(ErrorCode.InvalidProps, `${where}: ${field} must be a positive number of seconds, got ${value}`);
    }
  }
  if (typeof props.implementation !== 'string' && !Script.isScript(props.implementation)) {
    throw errorHere(ErrorCode.InvalidProps, `${where}: implementation must be a provider operation name or a Script, got ${typeof props.implementation}`);
  }
  return {
    implementation: props.implementation,
    ...(props.inputs ? { inputs: props.inputs } : {}),
    ...(props.maxRetries !== undefined ? { maxRetries: props.maxRetries } : {}),
    ...(props.retryInterval !== undefined ? { retryInterval: props.retryInterval } : {}),
    ...(props.timeout !== undefined ? { timeout: props.timeout } : {}),
  };
}
