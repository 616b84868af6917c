/** The CLI as the e2e tests run it: like test/cli/support's runCli, with time for a cloud to build servers. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CliResult, REPO } from '../../cli/support';

export function runCliSlow(args: string[], cwd: string, env: { [name: string]: string }, timeoutMs = 540_000): CliResult {
  const result = spawnSync(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(cwd, '.hybrid-home'), ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
