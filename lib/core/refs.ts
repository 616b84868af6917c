import { IConstruct } from 'constructs';
import { ErrorCode, HybridError } from './errors';
import { SourceLocation, errorHere } from './location';

const REF_BRAND = Symbol.for('hybrid.Ref');

/** Which node a reference points at: a node template, or a placement keyword of Cloudify DSL. */
export enum RefTarget {
  /** The node instance that runs the operation (not allowed in outputs). */
  SELF = 'SELF',
  /** The source instance of a relationship (relationship operations only). */
  SOURCE = 'SOURCE',
  /** The target instance of a relationship (relationship operations only). */
  TARGET = 'TARGET',
}

/**
 * Turns constructs into the names the blueprint uses. Synth provides it; refs never compute names
 * themselves so that naming stays in one place.
 */
export interface IRefResolver {
  /** The node template name of a construct, or throws DanglingRef. */
  nodeName(node: IConstruct): string;
  /** The input name of an Input construct, or throws DanglingRef. */
  inputName(input: IConstruct): string;
  /** Resolves a nested value that may hold further refs. */
  resolve(value: any): any;
}

/**
 * A value that is known only to the engine: an attribute of a node, an input, a secret, or a
 * function of them. Synth turns it into an intrinsic function (`get_attribute`, `get_input`, ...).
 * A Ref is not a string: use it as a property value as is, or combine it with `Fn.concat`.
 */
export abstract class Ref {
  /** True for any Ref, even one made by another copy of this library. */
  public static isRef(x: any): x is Ref {
    return typeof x === 'object' && x !== null && x[REF_BRAND] === true;
  }

  constructor() {
  }

  /** The intrinsic function this reference becomes in the blueprint. */
  public abstract toIntrinsic(resolver: IRefResolver): any;

  /** A short human description, used in error messages. */
  public abstract describe(): string;

  /**
   * Nodes whose runtime data this reference reads. Informational: synth orders nodes by the
   * `get_attribute` functions a reference resolves to, so custom Refs need not override this.
   */
  public referencedNodes(): IConstruct[] {
    return [];
  }

  /** Throws RefUsedAsString: a Ref has no string value until deploy time. */
  public toString(): string {
    throw usedAsString(
      this,
      'was used as a plain string (in a template literal, string concatenation or String()). ' +
        'Pass the Ref itself as a property value, or build the string with Fn.concat("prefix-", ref)',
    );
  }

  /** Throws RefUsedAsString: JSON.stringify cannot serialize a value known only at deploy time. */
  public toJSON(): any {
    throw usedAsString(this, 'cannot be serialized with JSON.stringify. Pass the Ref itself as a property value and let synth resolve it');
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(Ref.prototype, REF_BRAND, { value: true });

function usedAsString(ref: Ref, problem: string): HybridError {
  const location = SourceLocation.capture().toString();
  return new HybridError(
    ErrorCode.RefUsedAsString,
    `${ref.describe()} is a reference whose value is known only at deploy time, and it ${problem}${location ? ` (at ${location})` : ''}`,
    { location },
  );
}

// Template literals and `+` call Symbol.toPrimitive before toString: make both paths throw the same way.
Object.defineProperty(Ref.prototype, Symbol.toPrimitive, {
  value(this: Ref) {
    return this.toString();
  },
});

/**
 * A name and a path of keys or indexes must be literals: Cloudify's naming functions cannot take
 * a runtime value as an argument (cloudify-dsl.md §3).
 */
function checkName(name: unknown, path: ReadonlyArray<unknown>, what: string): void {
  const problem =
    typeof name !== 'string' || name.length === 0
      ? `${what} must be a non-empty string, got ${describeValue(name)}`
      : path.find((part) => typeof part !== 'string' && typeof part !== 'number') !== undefined
        ? `the path after ${what} ${JSON.stringify(name)} must hold only strings and numbers, got ${describeValue(path.find((part) => typeof part !== 'string' && typeof part !== 'number'))}`
        : undefined;
  if (problem) {
    const location = SourceLocation.capture().toString();
    throw new HybridError(ErrorCode.InvalidProps, `${problem}${location ? ` (at ${location})` : ''}`, { location });
  }
}

/** The path of a reference to a whole value; shared, since most references have none. */
const NO_PATH: ReadonlyArray<string | number> = Object.freeze([]);

function nodeOrKeyword(target: IConstruct | RefTarget, resolver: IRefResolver): string {
  return typeof target === 'string' ? target : resolver.nodeName(target);
}

function describeTarget(target: IConstruct | RefTarget): string {
  return typeof target === 'string' ? target : target.node.path;
}

/** `get_attribute`: a runtime property of a node instance, read when the operation runs. */
export class AttributeRef extends Ref {
  constructor(
    public readonly target: IConstruct | RefTarget,
    public readonly attribute: string,
    public readonly path: ReadonlyArray<string | number> = NO_PATH,
  ) {
    super();
    checkName(attribute, path, 'the attribute name');
  }

  public toIntrinsic(resolver: IRefResolver): any {
    return { get_attribute: [nodeOrKeyword(this.target, resolver), this.attribute, ...this.path] };
  }

  public describe(): string {
    return `the attribute '${[this.attribute, ...this.path].join('.')}' of ${describeTarget(this.target)}`;
  }

  public override referencedNodes(): IConstruct[] {
    return typeof this.target === 'string' ? [] : [this.target];
  }
}

/** `get_property`: a property of a node template, known at plan time. */
export class PropertyRef extends Ref {
  constructor(
    public readonly target: IConstruct | RefTarget,
    public readonly property: string,
    public readonly path: ReadonlyArray<string | number> = NO_PATH,
  ) {
    super();
    checkName(property, path, 'the property name');
  }

  public toIntrinsic(resolver: IRefResolver): any {
    return { get_property: [nodeOrKeyword(this.target, resolver), this.property, ...this.path] };
  }

  public describe(): string {
    return `the property '${[this.property, ...this.path].join('.')}' of ${describeTarget(this.target)}`;
  }
}

/** `get_input`: a deployment input, known at plan time. */
export class InputRef extends Ref {
  constructor(public readonly input: IConstruct, public readonly path: ReadonlyArray<string | number> = NO_PATH) {
    super();
    checkName('input', path, 'the input');
  }

  public toIntrinsic(resolver: IRefResolver): any {
    const name = resolver.inputName(this.input);
    return { get_input: this.path.length === 0 ? name : [name, ...this.path] };
  }

  public describe(): string {
    return `the input ${this.input.node.path}`;
  }
}

/** `get_secret`: a secret the engine obtains at deploy time; never written anywhere in plain text. */
export class SecretRef extends Ref {
  constructor(public readonly secretName: string, public readonly path: ReadonlyArray<string | number> = NO_PATH) {
    super();
    checkName(secretName, path, 'the secret name');
  }

  public toIntrinsic(): any {
    return { get_secret: this.path.length === 0 ? this.secretName : [this.secretName, ...this.path] };
  }

  public describe(): string {
    return `the secret '${this.secretName}'`;
  }
}

/** `get_capability`: a capability of another deployment (stack). */
export class CapabilityRef extends Ref {
  constructor(
    public readonly deployment: string,
    public readonly capability: string,
    public readonly path: ReadonlyArray<string | number> = NO_PATH,
  ) {
    super();
    checkName(deployment, [], 'the deployment name');
    checkName(capability, path, 'the capability name');
  }

  public toIntrinsic(): any {
    return { get_capability: [this.deployment, this.capability, ...this.path] };
  }

  public describe(): string {
    return `the capability '${this.capability}' of deployment '${this.deployment}'`;
  }
}

/** `concat`: a string joined from literals and references. */
export class ConcatRef extends Ref {
  constructor(public readonly parts: ReadonlyArray<any>) {
    super();
  }

  public toIntrinsic(resolver: IRefResolver): any {
    return { concat: this.parts.map((part) => resolver.resolve(part)) };
  }

  public describe(): string {
    return 'a concatenation';
  }

  public override referencedNodes(): IConstruct[] {
    return this.parts.flatMap((part) => (Ref.isRef(part) ? part.referencedNodes() : []));
  }
}

/** Intrinsic functions for values known only at deploy time. */
export class Fn {
  /** Joins strings and references into one string value (`concat`). */
  public static concat(...parts: any[]): Ref {
    for (const part of parts) {
      if (!Ref.isRef(part) && typeof part !== 'string' && typeof part !== 'number' && typeof part !== 'boolean') {
        throw errorHere(ErrorCode.InvalidProps, `Fn.concat takes strings, numbers, booleans and Refs, got ${describeValue(part)}`);
      }
    }
    return new ConcatRef(parts);
  }

  /** A runtime attribute of the node instance that runs the operation (`get_attribute: [SELF, ...]`). */
  public static selfAttribute(attribute: string, ...path: Array<string | number>): Ref {
    return new AttributeRef(RefTarget.SELF, attribute, path);
  }

  /** A runtime attribute of the relationship's target, for relationship operation inputs. */
  public static targetAttribute(attribute: string, ...path: Array<string | number>): Ref {
    return new AttributeRef(RefTarget.TARGET, attribute, path);
  }

  /** A runtime attribute of the relationship's source, for relationship operation inputs. */
  public static sourceAttribute(attribute: string, ...path: Array<string | number>): Ref {
    return new AttributeRef(RefTarget.SOURCE, attribute, path);
  }

  /** A capability of another deployed stack (`get_capability`). */
  public static capability(deployment: string, capability: string, ...path: Array<string | number>): Ref {
    return new CapabilityRef(deployment, capability, path);
  }
}

/** A readable description of a value for error messages (never the value of a secret). */
export function describeValue(value: unknown): string {
  if (Ref.isRef(value)) return value.describe();
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const json = JSON.stringify(value);
    return json.length > 60 ? json.slice(0, 57) + '...' : json;
  } catch {
    return String(value);
  }
}
