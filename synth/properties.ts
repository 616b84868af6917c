import { ErrorCode, HybridError } from '../lib/core/errors';
import { constructError } from '../lib/core/location';
import { NodeTemplate, RelationshipSpec } from '../lib/core/node-template';
import { Ref, describeValue } from '../lib/core/refs';
import { PropertySchema, ResolvedNodeType, ResolvedRelationshipType } from '../lib/core/types/schema';
import { intrinsicName } from './functions';

/** Checks a literal value against a primitive property type. */
export const LITERAL_TYPES: { [type: string]: (value: any) => boolean } = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  float: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v),
  dict: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
};

/**
 * Checks a node template's properties against its type's schema, as Cloudify's parser does:
 * no undeclared property, every required one present (unless the resource is external), literal
 * values of the declared type, and `use_external_resource` a literal boolean.
 */
export function checkPropertyValues(node: NodeTemplate, type: ResolvedNodeType): void {
  const fail = (code: ErrorCode, message: string) => constructError(code, node, message, node.location);
  const properties = node.properties;
  for (const name in properties) {
    const schema = type.properties[name];
    if (!schema) throw fail(ErrorCode.UnknownProperty, `property '${name}' is not declared by node type '${type.name}' (declared: ${declaredNames(type.properties)})`);
    const value = properties[name];
    if (value === undefined || isFunction(value)) continue;
    const check = schema.type ? LITERAL_TYPES[schema.type] : undefined;
    if (check && !check(value)) {
      throw fail(ErrorCode.InvalidProps, `property '${name}' of type '${type.name}' must be a ${schema.type}, got ${describeValue(value)}`);
    }
  }
  const external = properties.use_external_resource;
  if (external !== undefined && typeof external !== 'boolean') {
    throw fail(ErrorCode.InvalidProps, `use_external_resource must be a literal true or false (Cloudify rejects functions there), got ${describeValue(external)}`);
  }
  if (external === true) return;
  for (const name of requiredProperties(type)) {
    if (properties[name] === undefined) {
      const description = type.properties[name].description;
      throw fail(ErrorCode.MissingProperty, `property '${name}' is required by node type '${type.name}'${description ? ` (${description})` : ''}`);
    }
  }
}

const requiredByType = new WeakMap<ResolvedNodeType | ResolvedRelationshipType, string[]>();

/** The required property names of a type, computed once per resolved type. */
function requiredProperties(type: ResolvedNodeType | ResolvedRelationshipType): string[] {
  let names = requiredByType.get(type);
  if (names === undefined) {
    names = Object.keys(type.properties).filter((name) => isRequired(type.properties[name]));
    requiredByType.set(type, names);
  }
  return names;
}

/** The same schema rules for a relationship's properties against its relationship type. */
export function checkRelationshipProperties(
  relationship: RelationshipSpec,
  type: ResolvedRelationshipType,
  fail: (code: ErrorCode, message: string) => HybridError,
): void {
  const properties = relationship.properties ?? {};
  for (const name in properties) {
    if (!type.properties[name]) {
      throw fail(ErrorCode.UnknownProperty, `relationship property '${name}' is not declared by relationship type '${type.name}' (declared: ${declaredNames(type.properties)})`);
    }
  }
  for (const name of requiredProperties(type)) {
    if (properties[name] === undefined) {
      throw fail(ErrorCode.MissingProperty, `relationship property '${name}' is required by relationship type '${type.name}'`);
    }
  }
}

// Cloudify treats a property with neither `required: false` nor a default as required.
export function isRequired(schema: PropertySchema): boolean {
  return schema.required !== false && schema.default === undefined;
}

function declaredNames(properties: { readonly [name: string]: PropertySchema }): string {
  return Object.keys(properties).sort().join(', ') || 'none';
}

function isFunction(value: unknown): boolean {
  return Ref.isRef(value) || intrinsicName(value) !== undefined;
}
