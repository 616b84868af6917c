import { IConstruct } from 'constructs';
import { Stack } from '../lib/core/app';
import { ErrorCode, HybridError } from '../lib/core/errors';
import { Input } from '../lib/core/inputs';
import { SourceLocation, constructError } from '../lib/core/location';
import { NodeTemplate } from '../lib/core/node-template';
import { Script } from '../lib/core/operation';
import { IRefResolver, Ref } from '../lib/core/refs';
import { NODE_KEYWORDS, Scope, intrinsicName, placementProblem } from './functions';

/**
 * Turns Refs inside construct values into intrinsic functions, checking that each function is
 * allowed where it sits (MisplacedRef) and that everything it names belongs to the stack
 * (DanglingRef). It also records which nodes' attributes a value reads, so synth can order
 * those nodes first.
 */
export class Resolver implements IRefResolver {
  /** Where the values being resolved sit. */
  public scope: Scope = 'node-property';
  /** The construct whose values are being resolved (named in errors). */
  public owner: IConstruct | undefined;
  /** A more precise location for errors than the owner's (e.g. where a relationship was added). */
  public location: SourceLocation | undefined;
  /** Node names whose attributes the resolved values read, in first-seen order. */
  public readonly attributeReads = new Set<string>();
  private readonly nodeSet: Set<NodeTemplate>;
  private readonly inputSet: Set<Input>;

  constructor(
    private readonly stack: Stack,
    nodes: ReadonlyArray<NodeTemplate>,
    inputs: ReadonlyArray<Input>,
    private readonly names: Map<NodeTemplate, string>,
  ) {
    this.nodeSet = new Set(nodes);
    this.inputSet = new Set(inputs);
  }

  public nodeName(node: IConstruct): string {
    const name = NodeTemplate.isNodeTemplate(node) && this.nodeSet.has(node) ? this.names.get(node) : undefined;
    if (name === undefined) {
      throw this.error(ErrorCode.DanglingRef, `refers to ${describe(node)}, which is not a node template of stack '${this.stack.stackName}'; pass values between stacks with an Output (capability: true) and Fn.capability(...)`);
    }
    return name;
  }

  public inputName(input: IConstruct): string {
    if (!Input.isInput(input) || !this.inputSet.has(input)) {
      throw this.error(ErrorCode.DanglingRef, `refers to the input ${describe(input)}, which is not an input of stack '${this.stack.stackName}'; declare the input in this stack`);
    }
    return input.inputName;
  }

  /**
   * Replaces every Ref inside a value with its intrinsic function, checking placement rules.
   * Copy on write: a plain object or array without Refs (or undefined members) is returned as
   * is, so large literal values cost a walk but no copy.
   */
  public resolve(value: any): any {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
        throw this.error(ErrorCode.InvalidProps, `holds a ${typeof value}, which a blueprint cannot contain`);
      }
      return value;
    }
    if (Ref.isRef(value)) {
      const intrinsic = value.toIntrinsic(this);
      this.inspect(intrinsic, value);
      return intrinsic;
    }
    if (Array.isArray(value)) {
      let result: any[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const resolved = this.resolve(item);
        if (resolved !== item && result === undefined) result = value.slice(0, i);
        if (result !== undefined) result.push(resolved);
      }
      return result ?? value;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw this.error(ErrorCode.InvalidProps, `holds ${describeObject(value)}, which a blueprint cannot contain; pass plain data, or a Ref such as node.attr('name')`);
    }
    let result: { [key: string]: any } | undefined;
    for (const key in value) {
      const item = value[key];
      const resolved = item === undefined ? undefined : this.resolve(item);
      if (resolved !== item || item === undefined) {
        if (result === undefined) {
          result = {};
          for (const earlier in value) {
            if (earlier === key) break;
            result[earlier] = value[earlier];
          }
        }
      }
      if (result !== undefined && resolved !== undefined) result[key] = resolved;
    }
    return result ?? value;
  }

  /** An error about the current owner, with the construct path and the user's file:line. */
  public error(code: ErrorCode, message: string): HybridError {
    const owner = this.owner ?? this.stack;
    const ownLocation = (owner as { location?: unknown }).location;
    const location = this.location ?? (typeof ownLocation === 'object' && ownLocation !== null ? (ownLocation as SourceLocation) : NO_LOCATION);
    return constructError(code, owner, message, location);
  }

  /** Checks a Ref's intrinsic function (and any nested in it) against the current scope. */
  private inspect(intrinsic: any, ref: Ref): void {
    if (intrinsic === null || typeof intrinsic !== 'object') return;
    const name = intrinsicName(intrinsic);
    if (name !== undefined) {
      const args = intrinsic[name];
      const problem = placementProblem(name, args, this.scope);
      if (problem) throw this.error(ErrorCode.MisplacedRef, `${ref.describe()}: ${problem}`);
      if (name === 'get_attribute' && Array.isArray(args) && typeof args[0] === 'string' && !NODE_KEYWORDS.includes(args[0])) {
        this.attributeReads.add(args[0]);
      }
      this.inspect(args, ref);
      return;
    }
    for (const key in intrinsic) this.inspect(intrinsic[key], ref);
  }
}

/** A location that formats to nothing, so errors without one do not point into synth itself. */
const NO_LOCATION = { toString: () => undefined } as unknown as SourceLocation;

function describe(construct: IConstruct): string {
  return typeof construct === 'object' && construct !== null && 'node' in construct ? construct.node.path : String(construct);
}

function describeObject(value: object): string {
  if (Script.isScript(value)) return 'a Script outside an operation implementation';
  if (typeof value === 'object' && value !== null && 'node' in value) return `the construct ${(value as IConstruct).node.path} itself`;
  const name = value.constructor?.name;
  return name ? `a ${name} object` : 'an object with a prototype';
}
