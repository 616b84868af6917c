/**
 * Quoting for the POSIX shell that runs hybrid's staged files on a host. Hostile values (quotes,
 * `$(...)`, backticks, newlines, any unicode) are only ever placed inside single quotes, where
 * `/bin/sh` treats every byte literally; a single quote itself is closed, escaped and reopened.
 * The command line sent over SSH is built only from characters that every login shell (sh, bash,
 * zsh, csh, fish) reads the same way; everything else travels in files uploaded over SFTP.
 */
import { NonRecoverableError } from '../../engine/provider';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The runner's own variables (see remote-run.ts). */
const RESERVED_PREFIX = '__hybrid_';
/** Characters a path may have to appear on the SSH command line unquoted. */
const COMMAND_LINE_SAFE = /^[A-Za-z0-9/._+-]+$/;

/** `text` as one word for `/bin/sh`, whatever it holds (NUL excepted: see `checkNoNul`). */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Throws when a value cannot be passed to a program at all (C strings end at NUL). */
export function checkNoNul(what: string, value: string): void {
  if (value.includes('\0')) throw new NonRecoverableError(`${what} contains a NUL character, which no program can receive`);
}

/** Environment values as strings: objects as JSON, null as ''. Names must be shell variable names. */
export function envStrings(value: unknown, what: string): { [name: string]: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new NonRecoverableError(`${what} must be a dict of variable names to values, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const env: { [name: string]: string } = {};
  for (const [name, item] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      throw new NonRecoverableError(`${what} variable names must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(name)}`);
    }
    if (name.startsWith(RESERVED_PREFIX)) throw new NonRecoverableError(`${what} variable names starting with '${RESERVED_PREFIX}' are hybrid's own, got ${JSON.stringify(name)}`);
    const text = item === null || item === undefined ? '' : typeof item === 'object' ? JSON.stringify(item) : String(item);
    checkNoNul(`${what}.${name}`, text);
    env[name] = text;
  }
  return env;
}

/** A list of arguments as strings. */
export function argStrings(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new NonRecoverableError(`${what} must be a list of strings, got ${typeof value}`);
  return value.map((item, index) => {
    const text = item === null || item === undefined ? '' : typeof item === 'object' ? JSON.stringify(item) : String(item);
    checkNoNul(`${what}[${index}]`, text);
    return text;
  });
}

/**
 * The file a run sources before the script: `export NAME='value'` per variable, then
 * `set -- 'arg' ...` for the script's arguments.
 */
export function envPrelude(env: { readonly [name: string]: string }, args: ReadonlyArray<string>): string {
  const lines = Object.keys(env)
    .sort()
    .map((name) => `export ${name}=${shQuote(env[name])}`);
  lines.push(args.length === 0 ? 'set --' : `set -- ${args.map(shQuote).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Throws unless `path` can go on the SSH command line as is (hybrid's own staging paths). */
export function commandLinePath(path: string, what: string): string {
  if (!COMMAND_LINE_SAFE.test(path)) {
    throw new NonRecoverableError(`${what} must be made of letters, digits and / . _ + - (it appears on the SSH command line), got ${JSON.stringify(path)}`);
  }
  return path;
}
