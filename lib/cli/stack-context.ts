import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ErrorCode, HybridError } from '../core/errors';
import { EventBus } from '../engine/events';
import { buildModel, DeploymentModel, loadBlueprintFile } from '../engine/model';
import { chainSecrets, environmentSecrets, SecretSource } from '../engine/resolve';
import { FileStateStore } from '../engine/state/file-store';
import { HYBRID_VERSION } from '../../synth/synthesize';
import { validateBlueprint } from '../../synth/validate';
import { Flags } from './args';
import { Output } from './output';
import { resolveProject } from './project';
import { synthesizeProgram, writeStacks } from './program';
import { typecheck } from './typecheck';

export const STACK_FLAGS = ['app', 'blueprint', 'stack', 'output', 'input', 'inputs', 'secrets-file', 'json', 'quiet', 'typecheck', 'no-typecheck', 'state-dir'];

export interface StackContext {
  readonly model: DeploymentModel;
  readonly store: FileStateStore;
  readonly stateDirectory: string;
  readonly inputs: { [name: string]: any };
  readonly secrets: SecretSource;
}

/**
 * Resolves what a command works on: a blueprint file (`--blueprint`), or the program of the
 * project (synthesized first, then loaded from what synth wrote, exactly as a hand-written
 * blueprint would be); plus state, inputs and secrets.
 */
export async function loadStackContext(cwd: string, flags: Flags, out: Output, options: { typecheckByDefault: boolean }): Promise<StackContext> {
  let blueprintFile = flags.string('blueprint');
  let stateRoot: string;
  let stackName = flags.string('stack');
  let workingDirectory: string | undefined;
  if (blueprintFile) {
    blueprintFile = path.resolve(cwd, blueprintFile);
    stateRoot = path.resolve(cwd, flags.string('state-dir') ?? '.hybrid');
  } else {
    const project = resolveProject(cwd, flags.string('app'), flags.string('output'));
    const wantTypecheck = flags.boolean('typecheck') || (options.typecheckByDefault && !flags.boolean('no-typecheck'));
    if (wantTypecheck) {
      const { durationMs } = typecheck(project.directory, project.app);
      out.info(`type check passed (${durationMs} ms)`);
    }
    const stacks = synthesizeProgram(project.app, stackName, project.directory);
    if (stacks.length > 1) {
      throw new HybridError(ErrorCode.UsageError, `the program has several stacks (${stacks.map((s) => s.stackName).join(', ')}): choose one with --stack`);
    }
    const [written] = writeStacks(project.output, stacks, HYBRID_VERSION);
    blueprintFile = written.blueprint;
    stackName = written.stack;
    stateRoot = flags.string('state-dir') ? path.resolve(cwd, flags.string('state-dir')!) : project.stateDirectory;
    workingDirectory = project.directory;
  }
  const { blueprint, catalogue, baseDirectory } = loadBlueprintFile(blueprintFile);
  const problems = validateBlueprint(blueprint, catalogue);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).map((problem) => `  ${problem}`).join('\n');
    throw new HybridError(ErrorCode.InvalidBlueprint, `${path.relative(cwd, blueprintFile) || blueprintFile} is not a valid blueprint:\n${shown}${problems.length > 10 ? `\n  (and ${problems.length - 10} more)` : ''}`);
  }
  stackName ??= blueprint.metadata?.hybrid?.stack ?? defaultStackName(blueprintFile);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(stackName)) {
    throw new HybridError(ErrorCode.UsageError, `stack name ${JSON.stringify(stackName)} must be lowercase letters, digits and hyphens; pass --stack`);
  }
  const model = buildModel(blueprint, catalogue, baseDirectory, stackName, workingDirectory);
  const stateDirectory = path.join(stateRoot, stackName);
  return {
    model,
    store: new FileStateStore(stateDirectory),
    stateDirectory,
    inputs: readInputs(cwd, flags),
    secrets: await readSecrets(cwd, flags, model, out),
  };
}

/** The state of a stack without running the program (outputs, state commands). */
export function stateOnly(cwd: string, flags: Flags): { store: FileStateStore; stack: string; directory: string } {
  let root: string;
  if (flags.string('state-dir')) root = path.resolve(cwd, flags.string('state-dir')!);
  else if (flags.string('blueprint')) root = path.resolve(cwd, '.hybrid');
  else {
    try {
      root = resolveProject(cwd, flags.string('app')).stateDirectory;
    } catch {
      root = path.resolve(cwd, '.hybrid');
    }
  }
  let stack = flags.string('stack');
  if (!stack) {
    const stacks = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => fs.existsSync(path.join(root, name, 'state.json'))) : [];
    if (stacks.length === 0) throw new HybridError(ErrorCode.UsageError, `no deployed stack has state under ${root}: deploy first, or pass --state-dir`);
    if (stacks.length > 1) throw new HybridError(ErrorCode.UsageError, `several stacks have state under ${root} (${stacks.join(', ')}): choose one with --stack`);
    stack = stacks[0];
  }
  const directory = path.join(root, stack);
  return { store: new FileStateStore(directory), stack, directory };
}

function readInputs(cwd: string, flags: Flags): { [name: string]: any } {
  const inputs: { [name: string]: any } = {};
  for (const file of flags.all('inputs')) {
    const full = path.resolve(cwd, file);
    let parsed: any;
    try {
      parsed = yaml.load(fs.readFileSync(full, 'utf8'));
    } catch (error) {
      throw new HybridError(ErrorCode.InvalidInput, `cannot read inputs file ${full}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HybridError(ErrorCode.InvalidInput, `${full} must hold a mapping of input names to values`);
    Object.assign(inputs, parsed);
  }
  for (const pair of flags.all('input')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new HybridError(ErrorCode.UsageError, `--input takes name=value, got ${JSON.stringify(pair)}`);
    inputs[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return inputs;
}

/** Secret names a blueprint reads with get_secret. */
function secretNames(value: any, found: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  if (!Array.isArray(value) && Object.keys(value).length === 1 && 'get_secret' in value) {
    const argument = value.get_secret;
    const name = Array.isArray(argument) ? argument[0] : argument;
    if (typeof name === 'string') found.add(name);
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) secretNames(item, found);
  return found;
}

async function readSecrets(cwd: string, flags: Flags, model: DeploymentModel, out: Output): Promise<SecretSource> {
  const fromFile: { [name: string]: string } = {};
  const file = flags.string('secrets-file');
  if (file) {
    const full = path.resolve(cwd, file);
    let parsed: any;
    try {
      parsed = yaml.load(fs.readFileSync(full, 'utf8'));
    } catch (error) {
      throw new HybridError(ErrorCode.SecretMissing, `cannot read secrets file ${full}: ${(error as NodeJS.ErrnoException).code ?? 'invalid YAML'}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null) throw new HybridError(ErrorCode.SecretMissing, `${full} must hold a mapping of secret names to values`);
    for (const [name, value] of Object.entries(parsed)) fromFile[name] = String(value);
  }
  const environment = environmentSecrets();
  const prompted: { [name: string]: string } = {};
  const sources = chainSecrets(environment, { get: (name) => fromFile[name] }, { get: (name) => prompted[name] });
  if (process.stdin.isTTY && !flags.boolean('json')) {
    for (const name of [...secretNames(model.blueprint)].sort()) {
      if (sources.get(name) === undefined) prompted[name] = await out.askSecret(`secret '${name}': `);
    }
  }
  return sources;
}

export function newEventBus(out: Output): EventBus {
  const bus = new EventBus();
  bus.on((event) => out.event(event));
  return bus;
}

/** Aborts on the first Ctrl-C (in-flight operations finish or stop and are recorded); exits on the second. */
export function interruptSignal(out: Output): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      out.info('interrupted: stopping after the operations in flight; press Ctrl-C again to quit at once');
      controller.abort(new Error('interrupted by the user'));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { signal: controller.signal, dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); } };
}

/** A stack name for a hand-written blueprint: its file name, or its folder's for `blueprint.yaml`. */
function defaultStackName(blueprintFile: string): string {
  const base = path.basename(blueprintFile).replace(/\.ya?ml$/, '');
  const name = base === 'blueprint' ? path.basename(path.dirname(blueprintFile)) : base;
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'default';
}
