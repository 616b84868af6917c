import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, HybridError } from '../core/errors';

/**
 * Type-checks the program with TypeScript 7's native checker (several times faster than the
 * JavaScript one on large programs). Uses the project's tsconfig.json when it has one.
 */
export function typecheck(projectDirectory: string, entry: string): { durationMs: number } {
  const started = Date.now();
  let tsc: string;
  try {
    tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  } catch (error) {
    throw new HybridError(ErrorCode.TypeCheckFailed, 'the TypeScript checker is not installed: run `npm install` in the project', { cause: error });
  }
  const tsconfig = path.join(projectDirectory, 'tsconfig.json');
  const args = fs.existsSync(tsconfig)
    ? ['--noEmit', '--pretty', 'false', '-p', tsconfig]
    : ['--noEmit', '--pretty', 'false', '--strict', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node10', '--skipLibCheck', '--types', 'node', entry];
  const result = spawnSync(process.execPath, [tsc, ...args], { cwd: projectDirectory, encoding: 'utf8' });
  if (result.error) throw new HybridError(ErrorCode.TypeCheckFailed, `could not run the TypeScript checker: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) {
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim().length > 0);
    const errors = lines.map((line) => {
      const match = /^(.*)\((\d+),(\d+)\): (error .*)$/.exec(line);
      return match ? `${path.resolve(projectDirectory, match[1])}:${match[2]}:${match[3]}: ${match[4]}` : line;
    });
    throw new HybridError(ErrorCode.TypeCheckFailed, `the program has type errors:\n${errors.map((e) => `  ${e}`).join('\n')}`);
  }
  return { durationMs: Date.now() - started };
}
