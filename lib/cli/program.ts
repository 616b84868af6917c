import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App } from '../core/app';
import { ErrorCode, HybridError } from '../core/errors';
import { synthesizeApp } from '../../synth/synthesize';
import type { SynthesizedStack } from '../../synth/blueprint';

let typescriptRegistered = false;

/**
 * Lets `require` load TypeScript: each .ts file is transpiled by esbuild (types stripped, no
 * type check) as it is loaded, with an inline source map so errors and construct locations name
 * the TypeScript line. Output is cached by content hash (as ts-node and jest do), so an unchanged
 * program skips the transpiler on the next run. Type checking is `--typecheck`'s job.
 */
export function registerTypeScript(cacheDirectory?: string): void {
  if (typescriptRegistered) return;
  typescriptRegistered = true;
  let esbuild: typeof import('esbuild') | undefined;
  const compile = (module: any, filename: string) => {
    const source = fs.readFileSync(filename, 'utf8');
    const cacheFile = cacheDirectory ? path.join(cacheDirectory, `${createHash('sha1').update(CACHE_SALT).update(filename).update('\0').update(source).digest('hex')}.js`) : undefined;
    let code: string | undefined;
    if (cacheFile) {
      try {
        code = fs.readFileSync(cacheFile, 'utf8');
      } catch {
        code = undefined;
      }
    }
    if (code === undefined) {
      esbuild ??= require('esbuild') as typeof import('esbuild');
      try {
        code = esbuild.transformSync(source, { loader: filename.endsWith('x') ? 'tsx' : 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline' }).code;
      } catch (error) {
        const first = (error as any).errors?.[0];
        const where = first?.location ? `${filename}:${first.location.line}:${first.location.column + 1}` : filename;
        throw new HybridError(ErrorCode.ProgramFailed, `${where}: ${first?.text ?? (error as Error).message}`, { cause: error, location: where });
      }
      if (cacheFile) writeCache(cacheFile, code);
    }
    module._compile(code, filename);
  };
  for (const extension of ['.ts', '.tsx', '.mts', '.cts']) (require as any).extensions[extension] = compile;
  process.setSourceMapsEnabled?.(true);
}

const CACHE_SALT = `hybrid-transpile-v1:${process.version}:${(() => {
  try {
    return require('esbuild/package.json').version;
  } catch {
    return 'none';
  }
})()}`;

function writeCache(file: string, code: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, file);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

/** Where transpiled programs are cached: the project's node_modules/.cache, like other tools. */
export function transpileCacheDirectory(projectDirectory: string): string | undefined {
  if (process.env.HYBRID_NO_CACHE) return undefined;
  const nodeModules = path.join(projectDirectory, 'node_modules');
  return fs.existsSync(nodeModules) ? path.join(nodeModules, '.cache', 'hybrid') : path.join(projectDirectory, '.hybrid', 'cache');
}

/** Runs the program and returns the apps it created. */
export function runProgram(entry: string, projectDirectory: string = path.dirname(entry)): App[] {
  if (!fs.existsSync(entry)) throw new HybridError(ErrorCode.ConfigNotFound, `the program ${entry} does not exist; fix "app" in hybrid.json or --app`);
  registerTypeScript(transpileCacheDirectory(projectDirectory));
  App.resetCreated();
  try {
    require(entry);
  } catch (error) {
    if (HybridError.isHybridError(error)) throw error;
    const location = userFrame((error as Error)?.stack ?? '', path.dirname(entry));
    throw new HybridError(ErrorCode.ProgramFailed, `the program ${path.basename(entry)} threw${location ? ` at ${location}` : ''}: ${(error as Error)?.message ?? String(error)}`, { cause: error, location });
  }
  const apps = App.created();
  if (apps.length === 0) {
    throw new HybridError(ErrorCode.ProgramFailed, `the program ${entry} created no App: add \`const app = new App(); new Stack(app, 'my-stack');\``);
  }
  return apps;
}

function userFrame(stack: string, directory: string): string | undefined {
  for (const line of stack.split('\n')) {
    const match = /\(?((?:\/|[A-Za-z]:)[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (match && match[1].startsWith(directory) && !match[1].includes('node_modules')) return `${match[1]}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/** Synthesizes the program's stacks (all, or the one named). */
export function synthesizeProgram(entry: string, stackName?: string, projectDirectory?: string): SynthesizedStack[] {
  const stacks = runProgram(entry, projectDirectory).flatMap((app) => synthesizeApp(app));
  if (!stackName) return stacks;
  const chosen = stacks.filter((stack) => stack.stackName === stackName);
  if (chosen.length === 0) {
    throw new HybridError(ErrorCode.UsageError, `the program has no stack '${stackName}' (stacks: ${stacks.map((s) => s.stackName).join(', ')})`);
  }
  return chosen;
}

export interface WrittenStack {
  readonly stack: string;
  readonly directory: string;
  readonly blueprint: string;
  readonly files: ReadonlyArray<string>;
}

/**
 * Writes each stack to `<output>/<stack>/`: the blueprint, the types file, scripts and a
 * manifest with every file's sha256. Files whose content is unchanged are not rewritten; files
 * left from an earlier synth that the stack no longer has are removed.
 */
export function writeStacks(output: string, stacks: ReadonlyArray<SynthesizedStack>, hybridVersion: string): WrittenStack[] {
  return stacks.map((stack) => {
    const directory = path.join(output, stack.stackName);
    const files: { [relative: string]: string } = { ...stack.files };
    const manifest = {
      version: 1,
      hybrid: hybridVersion,
      stack: stack.stackName,
      blueprint: 'blueprint.yaml',
      files: Object.keys(files).sort().map((file) => ({ path: file, sha256: createHash('sha256').update(files[file]).digest('hex') })),
    };
    files['manifest.json'] = JSON.stringify(manifest, null, 2) + '\n';
    const previous = listFiles(directory);
    for (const [relative, content] of Object.entries(files)) {
      const target = path.join(directory, relative);
      if (previous.has(relative) && fs.readFileSync(target, 'utf8') === content) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content, { mode: relative.startsWith('scripts/') ? 0o755 : 0o644 });
    }
    for (const stale of previous) if (!(stale in files)) fs.rmSync(path.join(directory, stale), { force: true });
    return { stack: stack.stackName, directory, blueprint: path.join(directory, 'blueprint.yaml'), files: Object.keys(files).sort() };
  });
}

function listFiles(directory: string, prefix = ''): Set<string> {
  const found = new Set<string>();
  if (!fs.existsSync(directory)) return found;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const file of listFiles(path.join(directory, entry.name), relative)) found.add(file);
    else found.add(relative);
  }
  return found;
}
