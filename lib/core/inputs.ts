import { Construct } from 'constructs';
import { ErrorCode } from './errors';
import { SourceLocation, constructError, creationLocation, errorHere } from './location';
import { InputRef, Ref, SecretRef } from './refs';

const INPUT_BRAND = Symbol.for('hybrid.Input');
const OUTPUT_BRAND = Symbol.for('hybrid.Output');

/** The DSL input types hybrid supports. */
export enum InputType {
  STRING = 'string',
  INTEGER = 'integer',
  FLOAT = 'float',
  BOOLEAN = 'boolean',
  LIST = 'list',
  DICT = 'dict',
}

/** One input constraint (Cloudify DSL `constraints`); build with the static methods. */
export class Constraint {
  public static equal(value: any): Constraint { return new Constraint('equal', value); }
  public static greaterThan(value: number): Constraint { return new Constraint('greater_than', value); }
  public static greaterOrEqual(value: number): Constraint { return new Constraint('greater_or_equal', value); }
  public static lessThan(value: number): Constraint { return new Constraint('less_than', value); }
  public static lessOrEqual(value: number): Constraint { return new Constraint('less_or_equal', value); }
  public static inRange(low: number, high: number): Constraint {
    if (!(low <= high)) throw errorHere(ErrorCode.InvalidInput, `Constraint.inRange needs low <= high, got [${low}, ${high}]`);
    return new Constraint('in_range', [low, high]);
  }
  public static validValues(values: any[]): Constraint {
    if (!Array.isArray(values) || values.length === 0) throw errorHere(ErrorCode.InvalidInput, 'Constraint.validValues needs at least one value');
    return new Constraint('valid_values', [...values]);
  }
  public static length(length: number): Constraint { return new Constraint('length', length); }
  public static minLength(length: number): Constraint { return new Constraint('min_length', length); }
  public static maxLength(length: number): Constraint { return new Constraint('max_length', length); }
  public static pattern(regex: string): Constraint {
    try {
      new RegExp(regex);
    } catch (error) {
      throw errorHere(ErrorCode.InvalidInput, `Constraint.pattern got an invalid regular expression ${JSON.stringify(regex)}`, { cause: error });
    }
    return new Constraint('pattern', regex);
  }

  private constructor(public readonly kind: string, public readonly argument: any) {}

  /** The blueprint form: a one-key dict. */
  public toBlueprint(): { [kind: string]: any } {
    return { [this.kind]: this.argument };
  }
}

/** Props of a deployment input. */
export interface InputProps {
  /** The value's type. @default InputType.STRING */
  readonly type?: InputType;
  /** Used when the deployer gives no value; checked against the type and constraints. @default - required */
  readonly default?: any;
  /** What the input is for. @default - none */
  readonly description?: string;
  /** Constraints the value must meet. @default - none */
  readonly constraints?: Constraint[];
}

/**
 * A deployment input (`inputs:` section): a value the deployer gives with `--input name=value`.
 * Use `input.value` where a property needs it.
 */
export class Input extends Construct {
  public static isInput(x: any): x is Input {
    return typeof x === 'object' && x !== null && x[INPUT_BRAND] === true;
  }

  public readonly inputName: string;
  public readonly type: InputType;
  public readonly defaultValue?: any;
  public readonly description?: string;
  public readonly constraints: Constraint[];
  public readonly location: SourceLocation;

  constructor(scope: Construct, id: string, props: InputProps = {}) {
    super(scope, id);
    this.location = creationLocation(new.target);
    const fail = (message: string) => constructError(ErrorCode.InvalidInput, this, message, this.location);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(id)) {
      throw fail(`input id must be letters, digits and '_' starting with a letter, got ${JSON.stringify(id)}`);
    }
    this.inputName = id;
    this.type = props.type ?? InputType.STRING;
    if (!Object.values(InputType).includes(this.type)) {
      throw fail(`type must be one of ${Object.values(InputType).join(', ')}, got ${JSON.stringify(props.type)}`);
    }
    this.description = props.description;
    this.constraints = [...(props.constraints ?? [])];
    for (const constraint of this.constraints) {
      if (!isConstraint(constraint)) throw fail('constraints must be built with the Constraint static methods, e.g. Constraint.inRange(1, 10)');
      const problem = constraintProblem(this.type, constraint);
      if (problem) throw fail(problem);
    }
    if (props.default !== undefined) {
      const problem = checkInputValue(this.type, this.constraints, props.default);
      if (problem) throw fail(`default ${problem}`);
    }
    this.defaultValue = props.default;
  }

  /** The input's value (`get_input`). */
  public get value(): Ref {
    return new InputRef(this);
  }

  /** A key or index inside a list or dict input. */
  public at(...path: Array<string | number>): Ref {
    return new InputRef(this, path);
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(Input.prototype, INPUT_BRAND, { value: true });

/**
 * Checks a value against an input type and its constraints; returns what is wrong, or undefined.
 * The engine uses the same check for values given at deploy time.
 */
export function checkInputValue(type: string, constraints: ReadonlyArray<Constraint | { [kind: string]: any }>, value: any): string | undefined {
  if (Ref.isRef(value)) return undefined;
  const typeOk: { [type: string]: (v: any) => boolean } = {
    string: (v) => typeof v === 'string',
    integer: (v) => Number.isInteger(v),
    float: (v) => typeof v === 'number' && Number.isFinite(v),
    boolean: (v) => typeof v === 'boolean',
    list: (v) => Array.isArray(v),
    dict: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  };
  if (typeOk[type] && !typeOk[type](value)) return `must be of type ${type}, got ${JSON.stringify(value)}`;
  for (const constraint of constraints) {
    const [kind, argument] = isConstraint(constraint) ? [constraint.kind, constraint.argument] : Object.entries(constraint)[0];
    const size = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    const ok = (() => {
      switch (kind) {
        case 'equal': return JSON.stringify(value) === JSON.stringify(argument);
        case 'greater_than': return value > argument;
        case 'greater_or_equal': return value >= argument;
        case 'less_than': return value < argument;
        case 'less_or_equal': return value <= argument;
        case 'in_range': return value >= argument[0] && value <= argument[1];
        case 'valid_values': return argument.some((candidate: any) => JSON.stringify(candidate) === JSON.stringify(value));
        case 'length': return size === argument;
        case 'min_length': return size !== undefined && size >= argument;
        case 'max_length': return size !== undefined && size <= argument;
        case 'pattern': return typeof value === 'string' && new RegExp(`^(?:${argument})$`).test(value);
        default: return true;
      }
    })();
    if (!ok) return `${JSON.stringify(value)} violates constraint ${kind}: ${JSON.stringify(argument)}`;
  }
  return undefined;
}

/** Duck-typed so that a Constraint from another copy of this library is accepted too. */
function isConstraint(x: any): x is Constraint {
  return typeof x === 'object' && x !== null && typeof x.kind === 'string' && typeof x.toBlueprint === 'function';
}

const NUMERIC_CONSTRAINTS = ['greater_than', 'greater_or_equal', 'less_than', 'less_or_equal', 'in_range'];
const LENGTH_CONSTRAINTS = ['length', 'min_length', 'max_length'];

/** Why a constraint cannot apply to an input type, or undefined when it can. */
function constraintProblem(type: InputType, constraint: Constraint): string | undefined {
  const numeric = type === InputType.INTEGER || type === InputType.FLOAT;
  const sized = type === InputType.STRING || type === InputType.LIST || type === InputType.DICT;
  if (NUMERIC_CONSTRAINTS.includes(constraint.kind) && !numeric) return `constraint ${constraint.kind} needs an integer or float input, but the input is a ${type}`;
  if (LENGTH_CONSTRAINTS.includes(constraint.kind) && !sized) return `constraint ${constraint.kind} needs a string, list or dict input, but the input is a ${type}`;
  if (constraint.kind === 'pattern' && type !== InputType.STRING) return `constraint pattern needs a string input, but the input is a ${type}`;
  return undefined;
}

/** Props of an output or capability. */
export interface OutputProps {
  /** The value; may be or contain Refs. */
  readonly value: any;
  /** What the value is. @default - none */
  readonly description?: string;
  /** Also publish it as a capability that other stacks read with `Fn.capability`. @default false */
  readonly capability?: boolean;
}

/** A stack output (`outputs:`), shown by `hybrid outputs`. */
export class Output extends Construct {
  public static isOutput(x: any): x is Output {
    return typeof x === 'object' && x !== null && x[OUTPUT_BRAND] === true;
  }

  public readonly outputName: string;
  public readonly value: any;
  public readonly description?: string;
  public readonly capability: boolean;
  public readonly location: SourceLocation;

  constructor(scope: Construct, id: string, props: OutputProps) {
    super(scope, id);
    this.location = creationLocation(new.target);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(id)) {
      throw constructError(ErrorCode.InvalidProps, this, `output id must be letters, digits and '_' starting with a letter, got ${JSON.stringify(id)}`, this.location);
    }
    if (props.value === undefined) {
      throw constructError(ErrorCode.InvalidProps, this, 'value is required', this.location);
    }
    this.outputName = id;
    this.value = props.value;
    this.description = props.description;
    this.capability = props.capability ?? false;
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(Output.prototype, OUTPUT_BRAND, { value: true });

/**
 * A secret the engine obtains at deploy time (`get_secret`): from the environment
 * (`HYBRID_SECRET_<NAME>`), a secrets file, or a prompt. Its value never appears in a blueprint,
 * state, log or error message.
 */
export class Secret {
  /** A reference to the secret named `name` (letters, digits, '_' and '-'). */
  public static fromName(name: string): Ref {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
      throw errorHere(ErrorCode.InvalidProps, `secret name must be letters, digits, '_' and '-' starting with a letter, got ${JSON.stringify(name)}`);
    }
    return new SecretRef(name);
  }
}
