/**
 * The whole lifecycle of a Windows service through constructs, synth, engine and CLI, against the
 * Wine test host (Wine's real service control manager behind a real sshd): deploy, diff, update,
 * destroy; a service that fails to start; a deploy killed mid-way and run again.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertBuilt, makeProject, REPO, runCli } from '../../cli/support';
import { buildTestService } from '../../support/windows/build';
import { startWindowsHost, WindowsTestHost } from '../../support/windows/wine-host';

jest.setTimeout(180_000);

let host: WindowsTestHost;
let serviceExe: string;

beforeAll(async () => {
  assertBuilt();
  [serviceExe, host] = await Promise.all([buildTestService(), startWindowsHost({ address: '127.0.0.63' })]);
  fs.mkdirSync(host.unixPath('C:\\markers'), { recursive: true });
}, 300_000);

afterAll(async () => {
  await host?.stop();
});

/** A program with one WindowsService on the test host; `extra` goes into the service's props. */
function program(serviceName: string, extra: string): string {
  return `
import { App, Stack, Input, Output } from 'hybrid-iac';
import { HostAuth, HostKey } from 'hybrid-iac/constructs/hosts';
import { EnvironmentDelivery, ServiceBinary, WindowsHost, WindowsService } from 'hybrid-iac/constructs/windows';
const app = new App();
const stack = new Stack(app, 'win');
const greeting = new Input(stack, 'greeting', { default: 'hello' });
const host = new WindowsHost(stack, 'Win', {
  address: ${JSON.stringify(host.address)},
  port: ${host.port},
  user: ${JSON.stringify(host.user)},
  auth: HostAuth.keyFile(${JSON.stringify(host.privateKeyPath)}),
  hostKey: HostKey.fingerprint(${JSON.stringify(host.hostKeyFingerprint)}),
});
const service = new WindowsService(stack, 'Svc', {
  host,
  serviceName: ${JSON.stringify(serviceName)},
  binary: ServiceBinary.fromLocalFile('svc.exe'),
  displayName: 'Hybrid e2e',
  environment: { HY_GREETING: greeting.value },
  environmentDelivery: EnvironmentDelivery.LAUNCHER,
  startupTimeout: 30,
  ${extra}
});
new Output(stack, 'pid', { value: service.pid });
`;
}

function project(serviceName: string, extra = `arguments: ['C:\\\\markers\\\\${serviceName}.txt', '--mode', 'two words'],`): string {
  const directory = makeProject({ 'main.ts': program(serviceName, extra) }, 'hybrid-e2e-windows-');
  fs.copyFileSync(serviceExe, path.join(directory, 'svc.exe'));
  return directory;
}

const markerLines = (name: string) => fs.readFileSync(host.unixPath(`C:\\markers\\${name}.txt`), 'utf8').split('\r\n');
const query = async (name: string) => (await host.cmd(`sc queryex ${name}`)).stdout;
const pidOf = (queried: string) => Number(/PID\s+:\s+(\d+)/.exec(queried)?.[1]);

describe('a Windows service deployed, changed and destroyed with the CLI', () => {
  let directory: string;
  const cli = (...args: string[]) => runCli(args[0] === 'deploy' ? [...args, '--no-typecheck'] : args, directory);

  beforeAll(() => {
    directory = project('hye2e');
  });

  afterAll(() => {
    runCli(['destroy', '--yes'], directory);
    fs.rmSync(directory, { recursive: true, force: true });
  });

  test('deploy leaves the service RUNNING', () => {
    const result = cli('deploy', '--yes');
    expect({ code: result.code, output: result.code === 0 ? '' : result.stdout + result.stderr }).toEqual({ code: 0, output: '' });
    return expect(query('hye2e')).resolves.toMatch(/STATE\s+:\s+4\s+RUNNING/);
  });

  test('the service got its arguments and environment', () => {
    expect(markerLines('hye2e')).toEqual(expect.arrayContaining(['arg[2]=--mode', 'arg[3]=two words', 'HY_GREETING=hello']));
  });

  test('diff reports no changes right after the deploy', () => {
    expect(cli('diff', '--detailed-exitcode').code).toBe(0);
  });

  test('diff shows an update of the environment when an input changes', () => {
    const result = cli('diff', '--detailed-exitcode', '--input', 'greeting=bonjour');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 1 unchanged.');
    expect(result.stdout).toMatch(/svc_0[\s\S]*environment/);
  });

  test('deploy restarts the service with the new environment', async () => {
    const before = pidOf(await query('hye2e'));
    expect(cli('deploy', '--yes', '--input', 'greeting=bonjour').code).toBe(0);
    expect(markerLines('hye2e')).toContain('HY_GREETING=bonjour');
    expect(pidOf(await query('hye2e'))).not.toBe(before);
  });

  test('destroy removes the service and what hybrid uploaded', async () => {
    expect(cli('destroy', '--yes', '--input', 'greeting=bonjour').code).toBe(0);
    expect(await query('hye2e')).toContain('FAILED 1060');
    expect(fs.existsSync(host.unixPath('C:\\ProgramData\\hybrid\\services\\hye2e'))).toBe(false);
  });
});

test('fails if the service binary stops while starting, reporting its exit code', () => {
  const directory = project('hye2efail', `arguments: ['C:\\\\markers\\\\hye2efail.txt', '--fail-with', '7'],`);
  try {
    const result = runCli(['deploy', '--yes', '--no-typecheck'], directory);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("the service 'hye2efail' stopped while starting: exit code 7");
  } finally {
    runCli(['destroy', '--yes'], directory);
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('a deploy killed while the service starts, then run again, converges on the one service it started', async () => {
  const directory = project('hye2ecrash', `arguments: ['C:\\\\markers\\\\hye2ecrash.txt', '--start-delay', '8000'],`);
  try {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), 'deploy', '--yes', '--no-typecheck'], {
      cwd: directory,
      env: { ...process.env, NO_COLOR: '1', HYBRID_HOME: path.join(directory, '.hybrid-home') },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!/START_PENDING/.test(await query('hye2ecrash'))) {
      if (Date.now() > deadline) throw new Error('the service never reached START_PENDING');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const startedPid = pidOf(await query('hye2ecrash'));
    child.kill('SIGKILL');
    await exited;

    const result = runCli(['deploy', '--yes', '--no-typecheck'], directory);
    expect({ code: result.code, output: result.code === 0 ? '' : result.stdout + result.stderr }).toEqual({ code: 0, output: '' });
    const queried = await query('hye2ecrash');
    expect(queried).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    expect(pidOf(queried)).toBe(startedPid);
    expect(runCli(['state', 'list'], directory).stdout.match(/svc_\d+/g)).toEqual(['svc_0']);
  } finally {
    runCli(['destroy', '--yes'], directory);
    fs.rmSync(directory, { recursive: true, force: true });
  }
});
