import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, HybridError } from '../core/errors';

export const CONFIG_FILE = 'hybrid.json';

/** hybrid.json: where the program is and where hybrid writes. */
export interface ProjectConfig {
  /** The directory holding hybrid.json. */
  readonly directory: string;
  /** The program's entry file (TypeScript or JavaScript). */
  readonly app: string;
  /** Where synth writes, relative to the project. @default hybrid.out */
  readonly output: string;
  /** Where state lives, relative to the project. @default .hybrid */
  readonly stateDirectory: string;
}

/** Finds hybrid.json in `start` or a parent directory. */
export function findProject(start: string): ProjectConfig | undefined {
  let directory = path.resolve(start);
  for (;;) {
    const file = path.join(directory, CONFIG_FILE);
    if (fs.existsSync(file)) return readProject(file);
    const parent = path.dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function readProject(file: string): ProjectConfig {
  let raw: any;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HybridError(ErrorCode.ConfigNotFound, `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof raw?.app !== 'string' || raw.app.length === 0) {
    throw new HybridError(ErrorCode.ConfigNotFound, `${file} needs "app": the program's entry file, e.g. { "app": "main.ts" }`);
  }
  const directory = path.dirname(file);
  return {
    directory,
    app: path.resolve(directory, raw.app),
    output: path.resolve(directory, typeof raw.output === 'string' ? raw.output : 'hybrid.out'),
    stateDirectory: path.resolve(directory, typeof raw.stateDirectory === 'string' ? raw.stateDirectory : '.hybrid'),
  };
}

/** The project for a command: --app overrides hybrid.json. */
export function resolveProject(cwd: string, app?: string, output?: string): ProjectConfig {
  if (app) {
    const found = findProject(path.dirname(path.resolve(cwd, app)));
    const directory = found?.directory ?? path.dirname(path.resolve(cwd, app));
    return {
      directory,
      app: path.resolve(cwd, app),
      output: output ? path.resolve(cwd, output) : found?.output ?? path.join(directory, 'hybrid.out'),
      stateDirectory: found?.stateDirectory ?? path.join(directory, '.hybrid'),
    };
  }
  const project = findProject(cwd);
  if (!project) {
    throw new HybridError(ErrorCode.ConfigNotFound, `no ${CONFIG_FILE} in ${cwd} or its parents: run \`hybrid init\`, pass --app main.ts, or pass --blueprint file.yaml`);
  }
  return output ? { ...project, output: path.resolve(cwd, output) } : project;
}
