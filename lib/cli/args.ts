import { ErrorCode, HybridError } from '../core/errors';

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly positionals: string[];
  readonly flags: Map<string, string[]>;
}

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set([
  'json', 'quiet', 'yes', 'typecheck', 'no-typecheck', 'refresh', 'no-refresh', 'detailed-exitcode', 'help', 'version',
  'show-secrets', 'force', 'force-conflicts', 'allow-kwargs-override', 'by-dependency-order',
]);

/** Parses `hybrid <command> [positionals] [--flag value | --flag=value | --boolean]`. */
export function parseArgs(argv: ReadonlyArray<string>): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (argument.startsWith('--')) {
      const equals = argument.indexOf('=');
      const name = equals === -1 ? argument.slice(2) : argument.slice(2, equals);
      let value: string;
      if (equals !== -1) value = argument.slice(equals + 1);
      else if (BOOLEAN_FLAGS.has(name)) value = 'true';
      else {
        if (index + 1 >= argv.length) throw new HybridError(ErrorCode.UsageError, `--${name} needs a value`);
        value = argv[++index];
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else if (argument === '-h') {
      flags.set('help', ['true']);
    } else if (argument === '-v') {
      flags.set('version', ['true']);
    } else if (command === undefined) {
      command = argument;
    } else {
      positionals.push(argument);
    }
  }
  return { command, positionals, flags };
}

export class Flags {
  constructor(private readonly parsed: ParsedArgs, allowed: ReadonlyArray<string>) {
    for (const name of parsed.flags.keys()) {
      if (!allowed.includes(name) && name !== 'help') {
        throw new HybridError(ErrorCode.UsageError, `unknown flag --${name} for 'hybrid ${parsed.command}' (flags: ${allowed.map((f) => `--${f}`).join(', ')})`);
      }
    }
  }

  public string(name: string): string | undefined {
    const values = this.parsed.flags.get(name);
    return values ? values[values.length - 1] : undefined;
  }

  public all(name: string): string[] {
    return this.parsed.flags.get(name) ?? [];
  }

  public boolean(name: string): boolean {
    const value = this.string(name);
    return value !== undefined && value !== 'false';
  }

  public integer(name: string, minimum: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value) || Number(value) < minimum) throw new HybridError(ErrorCode.UsageError, `--${name} must be a whole number >= ${minimum}, got ${JSON.stringify(value)}`);
    return Number(value);
  }
}
