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
 * type check) as it is loaded. Type checking is `--typecheck`'s job, off the fast path.
 */
export function registerTypeScript(): void {
  if (typescriptRegistered) return;
  typescriptRegistered = true;
  const esbuild = require('esbuild') as typeof import('esbuild');
  const compile = (module: any, filename: string) => {
    const source = fs.readFileSync(filename, 'utf8');
    let code: string;
    try {
      code = esbuild.transformSync(source, { loader: filename.endsWith('x') ? 'tsx' : 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline' }).code;
    } catch (error) {
      const first = (error as any).errors?.[0];
      const where = first?.location ? `${filename}:${first.location.line}:${first.location.column + 1}` : filename;
      throw new HybridError(ErrorCode.ProgramFailed, `${where}: ${first?.text ?? (error as Error).message}`, { cause: error, location: where });
    }
    module._compile(code, filename);
  };
  for (const extension of ['.ts', '.tsx', '.mts', '.cts']) (require as any).extensions[extension] = compile;
  process.setSourceMapsEnabled?.(true);
}

/** Runs the program and returns the apps it created. */
export function runProgram(entry: string): App[] {
  if (!fs.existsSync(entry)) throw new HybridError(ErrorCode.ConfigNotFound, `the program ${entry} does not exist; fix "app" in hybrid.json or --app`);
  registerTypeScript();
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
export function synthesizeProgram(entry: string, stackName?: string): SynthesizedStack[] {
  const stacks = runProgram(entry).flatMap((app) => synthesizeApp(app));
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
