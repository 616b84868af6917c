/**
 * The windows provider's service operations against the Wine test host (Wine's real service
 * control manager and cmd.exe behind a real sshd), called directly as the engine calls them.
 * One host for the whole file.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { WindowsProvider, windowsProvider } from '../../../lib/providers/windows';
import { commandLine } from '../../../lib/providers/windows/quoting';
import { sshExec } from '../../support/ssh/client';
import { buildTestService, buildWindowsExe } from '../../support/windows/build';
import { startWindowsHost, WindowsTestHost } from '../../support/windows/wine-host';
import { ServiceDriver, hostProperties, hostView, windowsContext } from './support/context';
import { hostileString, randomSource } from './support/hostile-strings';

jest.setTimeout(120_000);

const SEED = 0x3ac0_2026;

let host: WindowsTestHost;
let provider: WindowsProvider;
let serviceExe: string;
let printArgsExe: string;

beforeAll(async () => {
  [serviceExe, printArgsExe, host] = await Promise.all([
    buildTestService(),
    buildWindowsExe(path.join(__dirname, 'fixtures', 'print-args.c'), 'hybrid-print-args'),
    startWindowsHost({ address: '127.0.0.61' }),
  ]);
  provider = windowsProvider({ idleTimeoutMs: 60_000 });
  fs.mkdirSync(host.unixPath('C:\\markers'), { recursive: true });
}, 300_000);

afterAll(async () => {
  await provider?.close?.();
  await host?.stop();
});

const markerLines = (name: string) => fs.readFileSync(host.unixPath(`C:\\markers\\${name}.txt`), 'utf8').split('\r\n');
const query = async (name: string) => (await host.cmd(`sc queryex ${name}`)).stdout;
const ssh = (command: string) => sshExec({ address: host.address, port: host.port, user: host.user, hostKeyFingerprint: host.hostKeyFingerprint }, host.privateKey, command);

/** A driver for a test service named `name` that writes its marker to C:\markers\<name>.txt. */
function driver(name: string, properties: { [key: string]: any } = {}): ServiceDriver {
  return new ServiceDriver(provider.operations as any, hostView(hostProperties(host)), {
    name,
    binary_source: serviceExe,
    arguments: [`C:\\markers\\${name}.txt`],
    startup_timeout: 20,
    stop_timeout: 20,
    ...properties,
  });
}

async function failureOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('the host', () => {
  const hostCall = (operation: 'create' | 'read', properties = hostProperties(host)) =>
    (provider.operations[`hybrid.windows.host.${operation}`] as any)(windowsContext({ implementation: `hybrid.windows.host.${operation}`, type: 'hybrid.nodes.windows.Host', instanceId: 'win_0', properties }));

  test('create records the host\'s facts and the key it verified', async () => {
    expect((await hostCall('create')).runtimeProperties).toEqual({
      ip: host.address,
      address: host.address,
      hostname: expect.any(String),
      arch: 'AMD64',
      os_version: expect.stringMatching(/^Microsoft Windows/),
      host_key_fingerprint: host.hostKeyFingerprint,
      host_key_type: 'ssh-ed25519',
    });
  });

  test('the ip property overrides the address other nodes reach the host at', async () => {
    expect((await hostCall('create', hostProperties(host, { ip: '192.0.2.7' }))).runtimeProperties.ip).toBe('192.0.2.7');
  });

  test('fails if the host presents another key than the pinned one', async () => {
    const error = await failureOf(hostCall('read', hostProperties(host, { host_key: { fingerprint: 'SHA256:' + 'A'.repeat(43) } })));
    expect(error.message).toMatch(/^the host key of host 'win' .* does not match: the host presented SHA256:/);
  });
});

describe('a service through its whole lifecycle', () => {
  let service: ServiceDriver;
  beforeAll(() => {
    service = driver('hylife', { environment: { HY_GREETING: 'hello' }, display_name: 'Hybrid life', description: 'first', dependencies: ['PlugPlay'] });
  });

  test('create and start leave it RUNNING with its arguments', async () => {
    await service.call('create');
    await service.call('start');
    expect(await query('hylife')).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    expect(markerLines('hylife')).toContain('arg[1]=C:\\markers\\hylife.txt');
  });

  test('read reports it in sync with every setting', async () => {
    expect(await service.call('read')).toMatchObject({ exists: true, drift: [] });
  });

  test('a second create changes nothing', async () => {
    await service.call('create');
    expect(service.messages().filter((message) => /created|reconfigured|uploading/.test(message))).toEqual([]);
  });

  test('a start of the running service adopts it instead of starting another process', async () => {
    const pid = service.runtime.pid;
    await service.call('start');
    expect(service.runtime.pid).toBe(pid);
  });

  test('an update of the arguments restarts it with the new command line', async () => {
    const pid = service.runtime.pid;
    service.properties = { ...service.properties, arguments: ['C:\\markers\\hylife.txt', '--mode', 'two words'] };
    await service.call('update');
    expect(markerLines('hylife')).toEqual(expect.arrayContaining(['arg[2]=--mode', 'arg[3]=two words']));
    expect(service.runtime.pid).not.toBe(pid);
  });

  test('an update of the description alone does not restart it', async () => {
    const pid = service.runtime.pid;
    service.properties = { ...service.properties, description: 'second' };
    await service.call('update');
    expect(service.runtime.pid).toBe(pid);
  });

  test('an update changes only the setting that differs', async () => {
    service.properties = { ...service.properties, description: 'third' };
    await service.call('update');
    expect(service.messages()).toContain("reconfigured the service 'hylife': description");
  });

  test('read reports a service stopped behind hybrid\'s back as drift', async () => {
    await host.cmd('sc stop hylife');
    while (!/STATE\s+:\s+1\s+STOPPED/.test(await query('hylife'))) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await service.call('read')).drift).toEqual([expect.stringMatching(/^not running: STOPPED \(exit code 0\)/)]);
  });

  test('read reports a display name changed by hand as drift', async () => {
    await host.cmd('sc config hylife DisplayName= "Changed by hand"');
    expect((await service.call('read')).drift).toContain('display name is "Changed by hand", expected "Hybrid life"');
  });

  test('an update after drift restores the display name and starts it again', async () => {
    await service.call('update');
    expect(await service.call('read')).toMatchObject({ exists: true, drift: [] });
  });

  test('stop leaves it STOPPED', async () => {
    await service.call('stop');
    expect(await query('hylife')).toMatch(/STATE\s+:\s+1\s+STOPPED/);
  });

  test('delete removes the service and the uploaded binary', async () => {
    await service.call('delete');
    expect(await query('hylife')).toContain('FAILED 1060');
    expect(fs.existsSync(host.unixPath('C:\\ProgramData\\hybrid\\services\\hylife'))).toBe(false);
  });

  test('delete of a service that is already gone succeeds', async () => {
    await expect(service.call('delete')).resolves.toBeDefined();
  });
});

describe('values that try to break the quoting', () => {
  test(`cmd.exe on the host hands a program every hostile argument unchanged (seed ${SEED})`, async () => {
    fs.copyFileSync(printArgsExe, host.unixPath('C:\\markers\\print-args.exe'));
    const random = randomSource(SEED);
    const values = Array.from({ length: 60 }, () => hostileString(random, 6));
    const printed: string[] = [];
    for (let index = 0; index < values.length; index += 20) {
      const result = await ssh(commandLine('C:\\markers\\print-args.exe', values.slice(index, index + 20)));
      for (const line of result.stdout.split('\r\n').filter((item) => item.startsWith('arg '))) printed.push(Buffer.from(line.slice(4), 'hex').swap16().toString('utf16le'));
    }
    expect(printed).toEqual(values);
  });

  test(`a service gets hostile arguments, display name, description and environment exactly (seed ${SEED})`, async () => {
    const random = randomSource(SEED + 7);
    const args = Array.from({ length: 12 }, () => hostileString(random, 5));
    const environment = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`HY_VALUE_${index}`, hostileString(random, 5)]));
    const service = driver('hyquote', { arguments: ['C:\\markers\\hyquote.txt', ...args], display_name: hostileString(random, 5), description: hostileString(random, 8), environment });
    await service.call('create');
    await service.call('start');
    // read compares the service's registry values (exported as UTF-16) with the properties.
    expect(await service.call('read')).toMatchObject({ exists: true, drift: [] });
    expect(markerLines('hyquote').filter((line) => /^arg\[\d+\]=/.test(line)).slice(2)).toEqual(args.map((arg, index) => `arg[${index + 2}]=${arg}`));
    await service.call('stop');
    await service.call('delete');
  });

  test(`the launcher gives the service hostile printable-ASCII environment values and arguments exactly (seed ${SEED})`, async () => {
    const random = randomSource(SEED + 11);
    const args = Array.from({ length: 8 }, () => hostileString(random, 5, true));
    const environment = Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`HY_VALUE_${index}`, hostileString(random, 5, true).replace(/^[ \t]+|[ \t]+$/g, '') || 'x']));
    const service = driver('hylaunch', { arguments: ['C:\\markers\\hylaunch.txt', ...args], environment, environment_delivery: 'launcher' });
    await service.call('create');
    await service.call('start');
    const lines = markerLines('hylaunch');
    expect(lines.filter((line) => /^arg\[\d+\]=/.test(line)).slice(2)).toEqual(args.map((arg, index) => `arg[${index + 2}]=${arg}`));
    expect(lines).toEqual(expect.arrayContaining(Object.entries(environment).map(([name, value]) => `${name}=${value}`)));
    await service.call('stop');
    await service.call('delete');
  });
});

describe('settings', () => {
  test('recovery actions are set with sc.exe failure, and cleared again', async () => {
    const service = driver('hyrecovery', { recovery: { reset_period: 3600, actions: [{ action: 'restart', delay: 5 }, { action: 'none', delay: 0 }] } });
    await service.call('create');
    service.properties = { ...service.properties, recovery: {} };
    await service.call('update');
    expect(service.messages()).toContain("reconfigured the service 'hyrecovery': recovery");
    await service.call('delete');
  });

  test('a delayed automatic start with dependencies reads back in sync', async () => {
    const service = driver('hydelayed', { start_type: 'delayed-auto', dependencies: ['PlugPlay', 'RpcSs'] });
    await service.call('create');
    await service.call('start');
    expect(await service.call('read')).toMatchObject({ exists: true, drift: [] });
    await service.call('delete');
  });
});

describe('recovering from an interrupted run', () => {
  test('create adopts a service an interrupted create left without its identity', async () => {
    const service = driver('hyadopt');
    await service.call('create');
    // What a create that stopped right after sc.exe create leaves: the service, not yet marked.
    await host.cmd('reg delete HKLM\\SYSTEM\\CurrentControlSet\\Services\\hyadopt /v HybridIdentity /f');
    expect(await service.call('read')).toEqual({ exists: false });
    await service.call('create');
    expect(service.messages()).toContain("adopting the service 'hyadopt' left by an interrupted create");
    expect(await service.call('read')).toMatchObject({ exists: true });
    await service.call('delete');
  });

  test('fails if a service of the same name exists that hybrid did not create', async () => {
    await host.cmd('sc create hyforeign binPath= "C:\\windows\\system32\\cmd.exe"');
    const error = await failureOf(driver('hyforeign').call('create'));
    expect(error.message).toMatch(/a service named 'hyforeign' already exists on the host and is not this one .*hybrid does not take over services it did not create/);
  });
});

describe('failures', () => {
  test('fails if the service stops while starting, with its exit code', async () => {
    const service = driver('hyfail', { arguments: ['C:\\markers\\hyfail.txt', '--fail-with', '3'] });
    await service.call('create');
    const error = await failureOf(service.call('start'));
    expect(error.message).toBe("the service 'hyfail' stopped while starting: exit code 3 (service-specific; WIN32_EXIT_CODE 1066: The service has returned a service-specific error code.)");
    await service.call('delete');
  });

  test('fails if the binary does not exist, with sc.exe\'s error code and its meaning', async () => {
    const service = driver('hymissing', { binary_source: '', binary_path: 'C:\\nowhere\\missing.exe' });
    await service.call('create');
    const error = await failureOf(service.call('start'));
    expect(error.message).toBe("cannot start the service 'hymissing': sc.exe StartService failed with error 2: The system cannot find the file specified (the service binary is missing).");
    await service.call('delete');
  });

  test('fails if the health port does not accept connections within the startup timeout', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, host.address, () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const service = driver('hyhealth', { health_port: port, startup_timeout: 2 });
    await service.call('create');
    const error = await failureOf(service.call('start'));
    expect(error.message).toBe(`the service 'hyhealth' is RUNNING but ${host.address}:${port} did not accept a connection within 2 s`);
    await service.call('stop');
    await service.call('delete');
  });

  test('a disabled service is created but not started', async () => {
    const service = driver('hydisabled', { start_type: 'disabled' });
    await service.call('create');
    await service.call('start');
    expect(await query('hydisabled')).toMatch(/STATE\s+:\s+1\s+STOPPED/);
    await service.call('delete');
  });

  test('the account password is registered as a secret and never logged', async () => {
    const service = driver('hyaccount', { account: '.\\svc-user', password: 'pa"ss %PATH% w0rd' });
    await service.call('create');
    expect(service.last!.secrets).toContain('pa"ss %PATH% w0rd');
    expect(JSON.stringify(service.last!.logs)).not.toContain('w0rd');
    await service.call('delete');
  });
});
