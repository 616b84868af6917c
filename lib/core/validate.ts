/**
 * Checks of construct props, shared by every construct family. Values may be Refs (known only at
 * deploy time): only literals are checked, and every failure names the construct path, the
 * program line, the value and what is expected.
 */
import { IConstruct } from 'constructs';
import { ErrorCode, HybridError } from './errors';
import { SourceLocation, constructError } from './location';
import { Ref, describeValue } from './refs';

/** Builds the error for a failed check. */
export type Fail = (message: string) => HybridError;

/**
 * What a check is about: a construct (errors name its path, and the program line that made it
 * when it records one as `location`, as node templates and scaling groups do, else the line that
 * called the check), or a ready-made `Fail`.
 */
export type Subject = IConstruct | Fail;

export function failOf(subject: Subject): Fail {
  if (typeof subject === 'function') return subject;
  const location = (subject as { location?: unknown }).location;
  return (message) => constructError(ErrorCode.InvalidProps, subject, message, location instanceof SourceLocation ? location : undefined);
}

/** A string or Ref; `nonEmpty` also rejects '' and whitespace. Undefined passes when `optional`. */
export function checkString(subject: Subject, name: string, value: unknown, options: { optional?: boolean; nonEmpty?: boolean } = {}): void {
  if (value === undefined && options.optional) return;
  if (Ref.isRef(value)) return;
  if (typeof value !== 'string') throw failOf(subject)(`${name} must be a string, got ${describeValue(value)}`);
  if (options.nonEmpty && value.trim() === '') throw failOf(subject)(`${name} must not be empty, got ${describeValue(value)}`);
}

/** What is wrong with a key or a value of a map (said after the map's name), or undefined. */
export type EntryRule = (entry: string) => string | undefined;

/** Environment variable names: letters, digits and '_', not starting with a digit. */
export const ENV_NAMES: EntryRule = (key) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? undefined : `variable names must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(key)}`;

/**
 * An object of names to strings or Refs. Undefined passes. Keys must not be empty and must pass
 * `keys`; string values must pass `values`.
 */
export function checkStringMap(subject: Subject, name: string, value: unknown, rules: { keys?: EntryRule; values?: EntryRule } = {}): void {
  if (value === undefined) return;
  const fail = failOf(subject);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Ref.isRef(value)) {
    throw fail(`${name} must be an object of names to strings, got ${describeValue(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === '') throw fail(`${name} keys must not be empty`);
    const keyProblem = rules.keys?.(key);
    if (keyProblem) throw fail(`${name} ${keyProblem}`);
    checkString(fail, `${name}.${key}`, item);
    const valueProblem = typeof item === 'string' ? rules.values?.(item) : undefined;
    if (valueProblem) throw fail(`${name}.${key} ${valueProblem}`);
  }
}

/**
 * A whole number from `min` to `max` (no upper bound without `max`). Undefined passes unless
 * `required`; Refs pass unless `refs: false` (a value the construct computes with at synth time).
 * `unit` names what is counted: "must be a whole number of seconds from 1 up".
 */
export function checkWhole(subject: Subject, name: string, value: unknown, min: number, max?: number, options: { refs?: boolean; unit?: string; required?: boolean } = {}): void {
  if ((value === undefined && !options.required) || (options.refs !== false && Ref.isRef(value))) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `from ${min} up` : `from ${min} to ${max}`;
    throw failOf(subject)(`${name} must be a whole number${options.unit ? ` of ${options.unit}` : ''} ${range}, got ${describeValue(value)}`);
  }
}

/**
 * How many instances of a node or scaling group: default and min from 0 up, max from 1 up or -1
 * for no limit, and min <= default <= max. `labels` are the props' names in messages.
 */
export function checkInstanceCounts(subject: Subject, counts: { default: number; min: number; max: number }, labels: { default: string; min: string; max: string }): void {
  const fail = failOf(subject);
  checkWhole(fail, labels.default, counts.default, 0, undefined, { refs: false });
  checkWhole(fail, labels.min, counts.min, 0, undefined, { refs: false });
  if (counts.max !== -1) checkWhole(fail, `${labels.max} (-1 for no limit)`, counts.max, 0, undefined, { refs: false });
  if (counts.default < counts.min || (counts.max !== -1 && (counts.default > counts.max || counts.min > counts.max))) {
    throw fail(`${labels.min} <= ${labels.default} <= ${labels.max} must hold, got ${counts.min}, ${counts.default}, ${counts.max}`);
  }
}

/** A TCP or UDP port number, 1 to 65535. Undefined and Refs pass. */
export function checkPort(subject: Subject, name: string, value: unknown): void {
  if (value === undefined || Ref.isRef(value)) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw failOf(subject)(`${name} must be a port number from 1 to 65535, got ${describeValue(value)}`);
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

/** An IPv4 CIDR's first and last address as numbers (the base aligned to the prefix), or undefined when it is not one. */
export function ipv4Range(cidr: string): [number, number] | undefined {
  const match = /^([^/]+)\/(3[0-2]|[12]?\d)$/.exec(cidr);
  if (!match || !isIpv4(match[1])) return undefined;
  const start = match[1].split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(match[2]));
  const first = start - (start % size);
  return [first, first + size - 1];
}

/** An IPv4 or IPv6 CIDR such as 10.0.0.0/24, or a Ref. */
export function checkCidr(subject: Subject, name: string, value: unknown): void {
  if (Ref.isRef(value)) return;
  const match = typeof value === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(value) : null;
  const ok = match !== null && ((isIpv4(match[1]) && Number(match[2]) <= 32) || (match[1].includes(':') && Number(match[2]) <= 128));
  if (!ok) throw failOf(subject)(`${name} must be a CIDR such as 10.0.0.0/24, got ${describeValue(value)}`);
}

/** An IPv4 or IPv6 address, or a Ref. Undefined passes. */
export function checkIp(subject: Subject, name: string, value: unknown): void {
  if (value === undefined || Ref.isRef(value)) return;
  if (typeof value !== 'string' || !(isIpv4(value) || /^[0-9a-fA-F:]+$/.test(value))) {
    throw failOf(subject)(`${name} must be an IP address, got ${describeValue(value)}`);
  }
}
