/**
 * The Windows host double of test/support/windows/wine-host.ts: Wine's service control manager
 * and cmd.exe behind a real sshd, reached with the ssh2 client and the ssh binary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, ExecResult, sftpOf, sshBinary, sshExec } from '../support/ssh/client';
import { isAlive, pidsWithEnv, run } from '../support/ssh/process-util';
import { buildTestService } from '../support/windows/build';
import { startWindowsHost, WindowsTestHost } from '../support/windows/wine-host';

jest.setTimeout(120_000);

let host: WindowsTestHost;
let serviceExe: string;

const target = () => ({ address: host.address, port: host.port, user: host.user, hostKeyFingerprint: host.hostKeyFingerprint });
const ssh = (command: string): Promise<ExecResult> => sshExec(target(), host.privateKey, command);

/** polls `sc query` until the state is reached (services report START_PENDING first) */
async function waitForState(name: string, state: 'RUNNING' | 'STOPPED', timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ssh(`sc query ${name}`);
    if (new RegExp(`STATE\\s+:\\s+\\d+\\s+${state}\\b`).test(r.stdout)) return r.stdout;
    if (Date.now() > deadline) throw new Error(`${name} not ${state}:\n${r.stdout}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

beforeAll(async () => {
  // the first run on a machine also builds the cached Wine prefix template (wineboot -i)
  [serviceExe, host] = await Promise.all([buildTestService(), startWindowsHost({ systemEnv: { HYBRID_SYSTEM_VAR: 'from-system-env' } })]);
}, 300_000);

afterAll(async () => {
  await host?.stop();
});

test('the Wine host runs cmd /c echo over SSH with Windows line endings', async () => {
  const r = await ssh('echo hello world');
  expect(r).toMatchObject({ code: 0, stdout: 'hello world\r\n', stderr: '' });
});

test('the exit code of the command reaches the SSH client', async () => {
  expect((await ssh('exit 3')).code).toBe(3);
});

test('exit codes above 255 reach the client modulo 256', async () => {
  expect((await ssh('exit 1060')).code).toBe(1060 % 256);
});

test('the command line reaches cmd.exe verbatim, quotes and operators included', async () => {
  const r = await ssh('echo "a  b" & echo x^&y');
  expect(r.stdout).toBe('"a  b" \r\nx&y\r\n');
});

test('stderr of the command arrives on the SSH stderr stream', async () => {
  const r = await ssh('echo oops 1>&2');
  expect(r.stderr.trim()).toBe('oops');
});

test('sessions start in the user profile directory', async () => {
  const r = await ssh('cd');
  expect(r.stdout).toBe(`C:\\users\\${host.user}\r\n`);
});

test('the host key fingerprint matches what ssh-keygen prints for the known_hosts line', async () => {
  const r = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', host.knownHostsFile]);
  expect(r.stdout.split(' ')[1]).toBe(host.hostKeyFingerprint);
});

test('the ssh binary reaches the host with strict host key checking', async () => {
  const r = await sshBinary(host.sshArgs(), 'echo %USERNAME%');
  expect(r).toMatchObject({ code: 0, stdout: `${host.user}\r\n` });
});

test('system environment variables reach sessions', async () => {
  expect((await ssh('echo %HYBRID_SYSTEM_VAR%')).stdout).toBe('from-system-env\r\n');
});

test('SFTP paths "C:/..." land on the Wine C: drive', async () => {
  const c = await connect(target(), host.privateKey);
  try {
    const sftp = await sftpOf(c);
    await new Promise<void>((res, rej) => sftp.mkdir('C:/upload-test', (e) => (e ? rej(e) : res())));
    await new Promise<void>((res, rej) => sftp.writeFile('C:/upload-test/a.txt', 'payload', (e) => (e ? rej(e) : res())));
  } finally {
    c.end();
  }
  expect(fs.readFileSync(path.join(host.driveC, 'upload-test', 'a.txt'), 'utf8')).toBe('payload');
  expect((await ssh('type C:\\upload-test\\a.txt')).stdout).toBe('payload');
});

test('the test service goes RUNNING via sc.exe, writes its marker with args and env, then stops', async () => {
  const c = await connect(target(), host.privateKey);
  try {
    const sftp = await sftpOf(c);
    await new Promise<void>((res) => sftp.mkdir('C:/hybrid', () => res()));
    await new Promise<void>((res, rej) => sftp.fastPut(serviceExe, 'C:/hybrid/svc.exe', (e) => (e ? rej(e) : res())));
  } finally {
    c.end();
  }
  const create = await ssh('sc create hybridtest binPath= "C:\\hybrid\\svc.exe C:\\hybrid\\marker.txt --mode \\"two words\\"" start= demand');
  expect(create.stdout).toContain('[SC] CreateService SUCCESS');
  const start = await ssh('sc start hybridtest first "second arg"');
  expect(start.code).toBe(0);
  await waitForState('hybridtest', 'RUNNING');

  const marker = fs.readFileSync(host.unixPath('C:\\hybrid\\marker.txt'), 'utf8').split('\r\n');
  expect(marker).toEqual(
    expect.arrayContaining([
      'commandLine=C:\\hybrid\\svc.exe C:\\hybrid\\marker.txt --mode "two words"',
      'arg[3]=two words',
      'startArg[0]=hybridtest',
      'startArg[2]=second arg',
      'HYBRID_SYSTEM_VAR=from-system-env',
      'event=running',
    ]),
  );

  const stop = await ssh('sc stop hybridtest');
  expect(stop.code).toBe(0);
  await waitForState('hybridtest', 'STOPPED');
  expect(fs.readFileSync(host.unixPath('C:/hybrid/marker.txt'), 'utf8')).toContain('event=stop');
  expect((await ssh('sc delete hybridtest')).stdout).toContain('[SC] DeleteService SUCCESS');
});

test('sc qc prints the configuration in the Windows format', async () => {
  await ssh('sc create qctest binPath= "C:\\hybrid\\svc.exe" DisplayName= "QC Test" start= auto');
  const r = await ssh('sc qc qctest');
  expect(r.stdout.split('\r\n').slice(0, 12)).toEqual([
    '[SC] QueryServiceConfig SUCCESS',
    '',
    'SERVICE_NAME: qctest',
    '        TYPE               : 10  WIN32_OWN_PROCESS',
    '        START_TYPE         : 2   AUTO_START',
    '        ERROR_CONTROL      : 1   NORMAL',
    '        BINARY_PATH_NAME   : C:\\hybrid\\svc.exe',
    '        LOAD_ORDER_GROUP   : ',
    '        TAG                : 0',
    '        DISPLAY_NAME       : QC Test',
    '        DEPENDENCIES       : ',
    '        SERVICE_START_NAME : LocalSystem',
  ]);
});

test('sc query of an unknown service fails with 1060', async () => {
  const r = await ssh('sc query no-such-service');
  expect(r.code).toBe(1060 % 256);
  expect(r.stdout).toBe(
    '[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n',
  );
});

test('sc create of an existing service fails with 1073', async () => {
  await ssh('sc create dup binPath= "C:\\hybrid\\svc.exe"');
  const r = await ssh('sc create dup binPath= "C:\\hybrid\\svc.exe"');
  expect(r.code).toBe(1073 % 256);
  expect(r.stdout).toContain('[SC] CreateService FAILED 1073:\r\n\r\nThe specified service already exists.');
});

test('a service that fails to start leaves STOPPED with its service-specific exit code', async () => {
  await ssh('sc create failing binPath= "C:\\hybrid\\svc.exe C:\\hybrid\\failing.txt --fail-with 3"');
  const start = await ssh('sc start failing');
  // Wine's StartService fails at once with 1053 when the service stops while starting
  expect(start.stdout).toContain('[SC] StartService FAILED 1053:');
  const q = await waitForState('failing', 'STOPPED');
  expect(q).toMatch(/WIN32_EXIT_CODE\s+:\s+1066\s+\(0x42a\)/);
  expect(q).toMatch(/SERVICE_EXIT_CODE\s+:\s+3\s+\(0x3\)/);
});

test('sc stop of a service that is not running fails with 1062', async () => {
  await ssh('sc create idle binPath= "C:\\hybrid\\svc.exe"');
  const r = await ssh('sc stop idle');
  expect(r.stdout).toContain('[SC] ControlService FAILED 1062:');
});

test("with sc: 'wine', Wine's own sc.exe is silent and exits 1 for an unknown service", async () => {
  const wine = await startWindowsHost({ sc: 'wine', address: '127.0.0.51' });
  try {
    const r = await wine.cmd('sc query no-such-service');
    expect([r.code, r.stdout]).toEqual([1, '']);
  } finally {
    await wine.stop();
  }
});

test('stop() ends sshd, the wineserver and every Wine process of the host', async () => {
  const other = await startWindowsHost({ address: '127.0.0.52' });
  await other.cmd('sc create bg binPath= "C:\\windows\\system32\\cmd.exe"');
  const winePids = pidsWithEnv('WINEPREFIX', other.prefixDir);
  expect(winePids.length).toBeGreaterThan(2); // wineserver, services.exe, ...
  await other.stop();
  expect(winePids.filter(isAlive)).toEqual([]);
  expect(fs.existsSync(other.tmpDir)).toBe(false);
});
