import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'bin', 'hybrid.js');

/** Fails early (not silently) when the CLI build is missing: `npm test` builds before it runs jest. */
export function assertBuilt(): void {
  const built = path.join(REPO, 'dist', 'lib', 'cli', 'main.js');
  if (!fs.existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the CLI tests');
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(cwd, '.hybrid-home'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A project directory whose node_modules/hybrid-iac points at this repository, as `npm install` of a file: dependency makes it. */
export function makeProject(files: { [file: string]: string }, prefix = 'hybrid-cli-'): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(directory, 'node_modules'));
  fs.symlinkSync(REPO, path.join(directory, 'node_modules', 'hybrid-iac'));
  if (!files['hybrid.json']) files = { 'hybrid.json': JSON.stringify({ app: 'main.ts' }), ...files };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
    fs.writeFileSync(path.join(directory, file), content);
  }
  return directory;
}

/** Every file under a directory, with its content (for "never appears in any file" checks). */
export function readTree(directory: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!fs.existsSync(directory)) return found;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) for (const [file, content] of readTree(full)) found.set(file, content);
    else if (entry.isFile()) found.set(full, fs.readFileSync(full, 'latin1'));
  }
  return found;
}

export function freePort(): Promise<number> {
  const net = require('net') as typeof import('net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as import('net').AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
