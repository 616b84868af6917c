/**
 * Where Cloudify DSL allows each intrinsic function (cloudify-dsl.md §3, and Cloudify's parser:
 * `dsl_parser/functions.py`, `scan.py`). One table, used by synth when it resolves Refs and by
 * validateBlueprint when it checks any blueprint, so both say the same thing.
 */

/** The places a value can sit in a blueprint; each allows different functions and keywords. */
export type Scope =
  | 'node-property'
  | 'node-operation'
  | 'relationship-operation'
  | 'relationship-property'
  | 'output'
  | 'capability'
  | 'input-default'
  | 'scaling';

export const SCOPE_LABELS: { readonly [scope in Scope]: string } = {
  'node-property': 'a node property',
  'node-operation': 'a node operation input',
  'relationship-operation': 'a relationship operation input',
  'relationship-property': 'a relationship property',
  output: 'an output',
  capability: 'a capability',
  'input-default': 'an input default',
  scaling: 'a scaling property',
};

/** Evaluated when the operation runs, or each time an output is read. */
export const RUNTIME_FUNCTIONS: ReadonlyArray<string> = [
  'get_attribute', 'get_attributes_list', 'get_attributes_dict', 'get_secret', 'get_capability',
  'get_group_capability', 'get_environment_capability', 'get_label', 'get_sys', 'get_consumers',
];
/** Evaluated when the plan is made; a runtime value inside them keeps them raw until runtime. */
export const PLAN_FUNCTIONS: ReadonlyArray<string> = [
  'get_input', 'get_property', 'concat', 'merge', 'string_find', 'string_replace', 'string_split', 'string_lower', 'string_upper',
];
export const INTRINSIC_FUNCTIONS: ReadonlySet<string> = new Set([...RUNTIME_FUNCTIONS, ...PLAN_FUNCTIONS]);
/** Functions whose arguments name things; a runtime function there is invalid (§3). */
const NAMING_FUNCTIONS = ['get_input', 'get_property'];
/** Functions whose first argument may be SELF, SOURCE or TARGET. */
const NODE_FUNCTIONS = ['get_attribute', 'get_property', 'get_attributes_list', 'get_attributes_dict'];
export const NODE_KEYWORDS: ReadonlyArray<string> = ['SELF', 'SOURCE', 'TARGET'];

/**
 * Keywords allowed per scope. Cloudify rejects SELF/SOURCE/TARGET in outputs, SOURCE/TARGET
 * outside relationship operations and SELF inside them; relationship properties are never
 * evaluated by Cloudify, so no keyword can mean anything there.
 */
const ALLOWED_KEYWORDS: { readonly [scope in Scope]: ReadonlyArray<string> } = {
  'node-property': ['SELF'],
  'node-operation': ['SELF'],
  'relationship-operation': ['SOURCE', 'TARGET'],
  'relationship-property': [],
  output: [],
  capability: [],
  'input-default': [],
  scaling: [],
};

/** Functions an input default may use: it is evaluated before any node exists. */
const INPUT_DEFAULT_FUNCTIONS = ['get_input', 'get_secret', 'concat', 'merge', 'string_find', 'string_replace', 'string_split', 'string_lower', 'string_upper'];

/** The function name when `value` is an intrinsic function call (`{ name: args }`), else undefined. */
export function intrinsicName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let name: string | undefined;
  for (const key in value) {
    if (name !== undefined) return undefined;
    name = key;
  }
  return name !== undefined && INTRINSIC_FUNCTIONS.has(name) ? name : undefined;
}

/** True when `value` holds a runtime function anywhere inside it. */
export function containsRuntimeFunction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const name = intrinsicName(value);
  if (name !== undefined && RUNTIME_FUNCTIONS.includes(name)) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some(containsRuntimeFunction);
}

/**
 * What is wrong with calling function `name` with `args` in `scope`, or undefined. Checks only
 * this call; callers walk nested values themselves.
 */
export function placementProblem(name: string, args: unknown, scope: Scope): string | undefined {
  const where = SCOPE_LABELS[scope];
  if (scope === 'input-default' && !INPUT_DEFAULT_FUNCTIONS.includes(name)) {
    return `${name} cannot be used in ${where} (it is evaluated before any node exists); use a literal, get_input, get_secret or concat`;
  }
  if (NODE_FUNCTIONS.includes(name) && Array.isArray(args) && typeof args[0] === 'string' && NODE_KEYWORDS.includes(args[0])) {
    const keyword = args[0];
    const allowed = ALLOWED_KEYWORDS[scope];
    if (!allowed.includes(keyword)) {
      const fix = allowed.length > 0 ? `use ${allowed.join(' or ')}, or name the node` : 'name the node instead';
      return `${name} with ${keyword} cannot be used in ${where}; ${fix}`;
    }
  }
  if (NAMING_FUNCTIONS.includes(name) && containsRuntimeFunction(args)) {
    return `${name} cannot take a runtime function (get_attribute, get_secret, ...) as an argument; its arguments must be known when the plan is made`;
  }
  return undefined;
}
