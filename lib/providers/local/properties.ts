/**
 * Reading resolved node properties with the checks a hand-written blueprint needs (synth already
 * checks typed constructs, but `hybrid deploy --blueprint` runs files nobody type-checked).
 * A bad value is a NonRecoverableError: retrying cannot fix it. The engine names the instance
 * and operation around these messages, so they name only the property.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NonRecoverableError, OperationContext } from '../../engine/provider';

/** A string property; `undefined` and `null` read as `fallback`. */
export function stringProperty(context: OperationContext, name: string, fallback = ''): string {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') {
    throw new NonRecoverableError(`property '${name}' must be a string, got ${typeof value}`);
  }
  return value;
}

/** A dict property of environment variables, every value turned into a string. */
export function envProperty(context: OperationContext, name = 'env'): { [name: string]: string } {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new NonRecoverableError(`property '${name}' must be a dict of variable names to values, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const env: { [name: string]: string } = {};
  for (const [key, item] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new NonRecoverableError(`${name} variable name must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(key)}`);
    }
    env[key] = item === null || item === undefined ? '' : typeof item === 'object' ? JSON.stringify(item) : String(item);
  }
  return env;
}

/** A path property made absolute against the stack directory. */
export function resolvePath(context: OperationContext, value: string): string {
  return path.resolve(context.baseDirectory, value);
}

/** The working directory for `cwd` (empty means the stack directory); it must exist. */
export async function workingDirectory(context: OperationContext, name = 'cwd'): Promise<string> {
  const directory = resolvePath(context, stringProperty(context, name) || '.');
  const stat = await fs.stat(directory).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new NonRecoverableError(`working directory ${directory} does not exist or is not a directory`);
  }
  return directory;
}
