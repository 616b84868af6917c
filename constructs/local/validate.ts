/**
 * Checks shared by the local constructs. Values may be Refs (known only at deploy time): only
 * literals are checked, and every failure names the construct path, the value and what is expected.
 */
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string or Ref; `nonEmpty` also rejects '' and whitespace. Undefined passes when `optional`. */
export function checkString(node: NodeTemplate, name: string, value: unknown, options: { optional?: boolean; nonEmpty?: boolean } = {}): void {
  if (value === undefined && options.optional) return;
  if (Ref.isRef(value)) return;
  if (typeof value !== 'string') throw invalidProps(node, `${name} must be a string, got ${describeValue(value)}`);
  if (options.nonEmpty && value.trim() === '') throw invalidProps(node, `${name} must not be empty, got ${describeValue(value)}`);
}

/** A map of strings or Refs; with `envNames`, keys must be valid environment variable names. */
export function checkStringMap(node: NodeTemplate, name: string, value: unknown, options: { envNames?: boolean } = {}): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Ref.isRef(value)) {
    throw invalidProps(node, `${name} must be an object of names to strings, got ${describeValue(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (options.envNames && !ENV_NAME.test(key)) {
      throw invalidProps(node, `${name} variable names must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(key)}`);
    }
    if (key === '') throw invalidProps(node, `${name} keys must not be empty`);
    checkString(node, `${name}.${key}`, item);
  }
}
