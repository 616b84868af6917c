/**
 * Checks shared by the OpenStack constructs. Values may be Refs (known only at deploy time): only
 * literals are checked, and every failure names the construct path, the value and what is expected.
 */
import { IConstruct } from 'constructs';
import { ErrorCode } from '../../lib/core/errors';
import { constructError } from '../../lib/core/location';
import { Ref, describeValue } from '../../lib/core/refs';

export function fail(scope: IConstruct, message: string): Error {
  return constructError(ErrorCode.InvalidProps, scope, message);
}

export function checkString(scope: IConstruct, name: string, value: unknown, options: { optional?: boolean; nonEmpty?: boolean } = {}): void {
  if (value === undefined && options.optional) return;
  if (Ref.isRef(value)) return;
  if (typeof value !== 'string') throw fail(scope, `${name} must be a string, got ${describeValue(value)}`);
  if (options.nonEmpty && value.trim() === '') throw fail(scope, `${name} must not be empty, got ${describeValue(value)}`);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

/** An IPv4 or IPv6 CIDR such as 10.0.0.0/24. */
export function checkCidr(scope: IConstruct, name: string, value: unknown): void {
  if (Ref.isRef(value)) return;
  const match = typeof value === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(value) : null;
  const ok = match !== null && ((isIpv4(match[1]) && Number(match[2]) <= 32) || (match[1].includes(':') && Number(match[2]) <= 128));
  if (!ok) throw fail(scope, `${name} must be a CIDR such as 10.0.0.0/24, got ${describeValue(value)}`);
}

export function checkIp(scope: IConstruct, name: string, value: unknown): void {
  if (value === undefined || Ref.isRef(value)) return;
  if (typeof value !== 'string' || !(isIpv4(value) || /^[0-9a-fA-F:]+$/.test(value))) throw fail(scope, `${name} must be an IP address, got ${describeValue(value)}`);
}

export function checkPort(scope: IConstruct, name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw fail(scope, `${name} must be a port number from 1 to 65535, got ${describeValue(value)}`);
}

export function checkStringMap(scope: IConstruct, name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Ref.isRef(value)) throw fail(scope, `${name} must be an object of names to strings, got ${describeValue(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (key.length === 0 || key.length > 255) throw fail(scope, `${name} keys must be 1 to 255 characters, got ${JSON.stringify(key)}`);
    checkString(scope, `${name}.${key}`, item);
  }
}
