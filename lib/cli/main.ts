import type { ParsedArgs } from './args';

/**
 * The CLI entry. Command modules load only when their command runs, so `hybrid --version`
 * touches nothing but this file and package.json.
 */
const COMMANDS: { [name: string]: [module: string, runner: string] } = {
  synth: ['./commands/synth', 'run'],
  init: ['./commands/init', 'run'],
  diff: ['./commands/deploy', 'runDiff'],
  deploy: ['./commands/deploy', 'runDeploy'],
  destroy: ['./commands/deploy', 'runDestroy'],
  outputs: ['./commands/outputs', 'run'],
  state: ['./commands/state', 'run'],
  scale: ['./commands/operate', 'runScale'],
  heal: ['./commands/operate', 'runHeal'],
  refresh: ['./commands/operate', 'runRefresh'],
  'execute-operation': ['./commands/operate', 'runExecuteOperation'],
};

const USAGE = `hybrid — infrastructure as code for hybrid stacks

Usage: hybrid <command> [flags]

  init [dir]        create a project
  synth             run the program and write blueprints (hybrid.out/<stack>/)
  diff              show what deploy would change
  deploy            apply the program (or --blueprint file) to the real systems
  destroy           remove everything the stack created
  outputs           print the stack's outputs
  state             list | show | unlock | forget recorded instances
  scale             change a scaling group's size and deploy it
  heal              reinstall failed instances
  refresh           read real resources and report drift
  execute-operation run one operation on chosen instances (e.g. a maintenance action)

Run 'hybrid <command> --help' for a command's flags. Docs: docs/ in the package.`;

function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      return require(candidate).version;
    } catch {
      // try the next layout (source checkout or built dist/)
    }
  }
  return 'unknown';
}

export async function main(argv: ReadonlyArray<string>, cwd: string = process.cwd()): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const { parseArgs } = require('./args') as typeof import('./args');
  const { ErrorCode, ERROR_CATALOGUE, HybridError } = require('../core/errors') as typeof import('../core/errors');
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
    if (!parsed.command || parsed.command === 'help' || (parsed.command === undefined && parsed.flags.has('help'))) {
      process.stdout.write(USAGE + '\n');
      return parsed.command || parsed.flags.has('help') ? 0 : 64;
    }
    const entry = COMMANDS[parsed.command];
    if (!entry) throw new HybridError(ErrorCode.UsageError, `unknown command '${parsed.command}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const module = require(entry[0]);
    if (parsed.flags.has('help')) {
      process.stdout.write(module.HELP + '\n');
      return 0;
    }
    return await module[entry[1]](parsed, cwd);
  } catch (error) {
    const json = argv.includes('--json');
    if (HybridError.isHybridError(error)) {
      const message = `error [${error.code}]: ${error.message}\n  fix: ${error.fix}`;
      if (json) process.stdout.write(JSON.stringify({ type: 'error', code: error.code, message: error.message, fix: error.fix, location: error.location }) + '\n');
      else process.stderr.write(message + '\n');
      if (process.env.HYBRID_DEBUG && error.cause) process.stderr.write(String((error.cause as Error).stack ?? error.cause) + '\n');
      return ERROR_CATALOGUE[error.code].exitCode;
    }
    const message = `error: ${(error as Error)?.stack ?? String(error)}`;
    if (json) process.stdout.write(JSON.stringify({ type: 'error', message: String((error as Error)?.message ?? error) }) + '\n');
    else process.stderr.write(message + '\n');
    return 1;
  }
}
