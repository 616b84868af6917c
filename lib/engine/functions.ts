import { ErrorCode, HybridError } from '../core/errors';

/** A value not known until an operation has run (an attribute of an instance yet to be created). */
export const UNKNOWN: unique symbol = Symbol.for('hybrid.Unknown');
export type Unknown = typeof UNKNOWN;

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsUnknown);
  return false;
}

/** A node named in a function, or the instance a keyword (SELF, SOURCE, TARGET) stands for. */
export type FunctionTarget = { readonly node: string } | { readonly instance: string };

/** What function evaluation may look up; each lookup throws a HybridError naming the problem. */
export interface EvaluationContext {
  input(name: string): any;
  property(target: FunctionTarget, path: ReadonlyArray<string | number>): any;
  /** An attribute, or UNKNOWN when its instance does not exist yet. */
  attribute(target: FunctionTarget, path: ReadonlyArray<string | number>): any;
  secret(name: string): string;
  capability(deployment: string, path: ReadonlyArray<string | number>): any;
  /** The instance for SELF, and SOURCE/TARGET in relationship operations. */
  readonly self?: string;
  readonly source?: string;
  readonly target?: string;
  /** Where the value sits, for messages. */
  readonly where: string;
}

const FUNCTION_NAMES = new Set([
  'get_input', 'get_property', 'get_attribute', 'get_secret', 'get_capability', 'concat', 'merge',
  'string_find', 'string_replace', 'string_split', 'string_lower', 'string_upper',
]);

function functionOf(value: any): [string, any] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !FUNCTION_NAMES.has(keys[0])) return undefined;
  return [keys[0], value[keys[0]]];
}

/** True when a value holds any intrinsic function. */
export function hasFunctions(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (functionOf(value)) return true;
  return Array.isArray(value) ? value.some(hasFunctions) : Object.values(value as object).some(hasFunctions);
}

/** Node names that a value's get_attribute / get_property functions refer to. */
export function referencedNodeNames(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  const fn = functionOf(value);
  if (fn && (fn[0] === 'get_attribute' || fn[0] === 'get_property') && Array.isArray(fn[1]) && typeof fn[1][0] === 'string' && !['SELF', 'SOURCE', 'TARGET'].includes(fn[1][0])) {
    found.add(fn[1][0]);
  }
  for (const item of Array.isArray(value) ? value : Object.values(value as object)) referencedNodeNames(item, found);
  return found;
}

function dig(value: any, path: ReadonlyArray<string | number>, where: string, what: string): any {
  let current = value;
  for (const key of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (current === null || current === undefined || typeof current !== 'object') {
      throw new HybridError(ErrorCode.DanglingRef, `${where}: ${what} has no '${key}' (the value there is ${JSON.stringify(current)})`);
    }
    current = current[key as any];
  }
  return current;
}

/** Evaluates every intrinsic function in a value (deeply). */
export function evaluate(value: any, context: EvaluationContext): any {
  if (value === null || typeof value !== 'object') return value;
  const fn = functionOf(value);
  if (!fn) {
    if (Array.isArray(value)) return value.map((item) => evaluate(item, context));
    const result: { [key: string]: any } = {};
    for (const key of Object.keys(value)) result[key] = evaluate(value[key], context);
    return result;
  }
  const [name, rawArguments] = fn;
  const args = evaluate(rawArguments, context);
  const list = (minimum: number): any[] => {
    if (!Array.isArray(args) || args.length < minimum) {
      throw new HybridError(ErrorCode.InvalidBlueprint, `${context.where}: ${name} takes a list of at least ${minimum} arguments, got ${JSON.stringify(rawArguments)}`);
    }
    return args;
  };
  const nodeKeyword = (node: string): FunctionTarget => {
    if (node !== 'SELF' && node !== 'SOURCE' && node !== 'TARGET') return { node };
    const instance = node === 'SELF' ? context.self : node === 'SOURCE' ? context.source : context.target;
    if (instance === undefined) {
      throw new HybridError(ErrorCode.MisplacedRef, `${context.where}: ${name} uses ${node}, which has no meaning here`);
    }
    return { instance };
  };
  switch (name) {
    case 'get_input': {
      const [input, ...path] = Array.isArray(args) ? args : [args];
      return dig(context.input(input), path, context.where, `input '${input}'`);
    }
    case 'get_property': {
      const [node, ...path] = list(2);
      return context.property(nodeKeyword(node), path);
    }
    case 'get_attribute': {
      const [node, ...path] = list(2);
      return context.attribute(nodeKeyword(node), path);
    }
    case 'get_secret': {
      const [secret, ...path] = Array.isArray(args) ? args : [args];
      if (path.length === 0) return context.secret(secret);
      let parsed: any;
      try {
        parsed = JSON.parse(context.secret(secret));
      } catch {
        throw new HybridError(ErrorCode.SecretMissing, `${context.where}: secret '${secret}' is read with a path, so it must hold JSON`);
      }
      return dig(parsed, path, context.where, `secret '${secret}'`);
    }
    case 'get_capability': {
      const [deployment, ...path] = list(2);
      return context.capability(deployment, path);
    }
    case 'concat': {
      const parts = list(0);
      if (parts.some(containsUnknown)) return UNKNOWN;
      return parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
    }
    case 'merge': {
      const parts = list(0);
      if (parts.some(containsUnknown)) return UNKNOWN;
      return Object.assign({}, ...parts);
    }
    case 'string_lower': return args === UNKNOWN ? UNKNOWN : String(args).toLowerCase();
    case 'string_upper': return args === UNKNOWN ? UNKNOWN : String(args).toUpperCase();
    case 'string_find': {
      const [haystack, needle] = list(2);
      return haystack === UNKNOWN ? UNKNOWN : String(haystack).indexOf(needle);
    }
    case 'string_replace': {
      const [text, old, replacement, count] = list(3);
      if (text === UNKNOWN) return UNKNOWN;
      if (count === undefined) return String(text).split(old).join(replacement);
      let result = String(text);
      for (let i = 0; i < count; i++) result = result.replace(old, replacement);
      return result;
    }
    case 'string_split': {
      const [text, separator, index] = list(2);
      if (text === UNKNOWN) return UNKNOWN;
      const parts = String(text).split(separator);
      return index === undefined ? parts : parts[index];
    }
    default:
      throw new HybridError(ErrorCode.InvalidBlueprint, `${context.where}: unsupported function ${name}`);
  }
}
