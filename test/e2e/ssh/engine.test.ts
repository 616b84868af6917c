/**
 * The ssh provider under the real engine (in process): a worker's relationship operation reads
 * what a master's script published, secrets stay out of state and events, and an unreachable
 * host is retried before the deploy fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Host, HostAuth, HostKey, RemoteOperation, RemoteScript } from '../../../constructs/hosts';
import { App, Stack } from '../../../lib/core/app';
import { Secret } from '../../../lib/core/inputs';
import { Fn } from '../../../lib/core/refs';
import { builtinCatalogue } from '../../../lib/core/types';
import { EngineEvent, EventBus } from '../../../lib/engine/events';
import { buildModel } from '../../../lib/engine/model';
import { ProviderRegistry } from '../../../lib/engine/provider';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { deploy } from '../../../lib/engine/workflows';
import { sshProvider } from '../../../lib/providers/ssh';
import { synthesizeStack } from '../../../synth/synthesize';
import { startSshHosts, SshTestHosts } from '../../support/ssh/hosts';
import { readTree } from '../../cli/support';


const API_TOKEN = 'api-token-77c1e0b9-do-not-leak';

let hosts: SshTestHosts;
let directory: string;

beforeAll(async () => {
  hosts = await startSshHosts(2, { names: ['master', 'worker'] });
});

afterAll(async () => {
  await hosts?.stop();
});

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-ssh-engine-'));
});

afterEach(() => {
  App.resetCreated();
  fs.rmSync(directory, { recursive: true, force: true });
});

function hostOf(stack: Stack, name: 'master' | 'worker'): Host {
  const test = hosts.host(name);
  return new Host(stack, name === 'master' ? 'MasterHost' : 'WorkerHost', {
    address: test.address,
    port: test.port,
    user: test.user,
    auth: HostAuth.keyFromSecret(Secret.fromName('deploy-key')),
    hostKey: HostKey.fingerprint(test.hostKeyFingerprint),
    connectTimeout: 3,
  });
}

async function run(stack: Stack, extra: { destroy?: boolean } = {}) {
  const blueprint = synthesizeStack(stack).blueprint;
  const model = buildModel(blueprint as any, builtinCatalogue(), directory, 'test');
  const events: EngineEvent[] = [];
  const bus = new EventBus();
  bus.on((event) => events.push(event));
  const provider = sshProvider();
  try {
    const result = await deploy(model, {
      store: new FileStateStore(path.join(directory, '.hybrid', 'test')),
      registry: new ProviderRegistry().register(provider),
      events: bus,
      secrets: { get: (name) => ({ 'deploy-key': hosts.clientKey.privateKey, 'api-token': API_TOKEN } as { [name: string]: string })[name] },
      workDirectory: path.join(directory, '.hybrid', 'test', 'work'),
      environment: { HYBRID_HOME: path.join(directory, 'home') },
      retryBaseMs: 5,
      ...extra,
    });
    return { result, events };
  } finally {
    await provider.close!();
  }
}

test("a worker's establish runs on its own host with the join command the master published", async () => {
  const stack = new Stack(new App(), 'test');
  const master = new RemoteScript(stack, 'Master', {
    host: hostOf(stack, 'master'),
    // Like kubeadm init: the token and the key are made on the host, never known to the program.
    create: [
      'token=$(od -An -N8 -tx1 /dev/urandom | tr -d " \\n")',
      'printf "client-key-data: %s\\n" "$(od -An -N12 -tx1 /dev/urandom | tr -d " \\n")" > admin.conf',
      'echo ::hybrid-output::',
      'echo "endpoint=https://$HYBRID_TEST_HOST_ADDRESS:6443"',
      'echo "join_command=kubeadm join $HYBRID_TEST_HOST_ADDRESS:6443 --token $token"',
      'echo "kubeconfig<<EOF"',
      'cat admin.conf',
      'echo EOF',
    ].join('\n'),
    secretOutputs: ['join_command', 'kubeconfig'],
  });
  const worker = new RemoteScript(stack, 'Worker', { host: hostOf(stack, 'worker'), create: 'echo prepared' });
  worker.connectTo(master, {
    source: { establish: RemoteOperation.script('echo "$JOIN_COMMAND" > joined.txt; echo "joining $ENDPOINT"', { env: { JOIN_COMMAND: Fn.targetAttribute('join_command'), ENDPOINT: Fn.targetAttribute('endpoint') } }) },
  });

  const { result, events } = await run(stack);

  expect(result.result).toMatchObject({ failed: 0 });
  const joined = fs.readFileSync(path.join(hosts.host('worker').rootDir, 'joined.txt'), 'utf8');
  expect(joined).toMatch(new RegExp(`^kubeadm join ${hosts.host('master').address.replace(/\./g, '\\.')}:6443 --token [0-9a-f]{16}\n$`));
  const secrets = [joined.trim().split(' ').pop()!, fs.readFileSync(path.join(hosts.host('master').rootDir, 'admin.conf'), 'utf8').trim(), hosts.clientKey.privateKey.split('\n')[1]];
  const written = [...readTree(path.join(directory, '.hybrid'))].map(([file, content]) => ({ file, leaked: secrets.filter((secret) => content.includes(secret)) }));
  expect(written.filter((entry) => entry.leaked.length > 0)).toEqual([]);
  expect(secrets.filter((secret) => JSON.stringify(events).includes(secret))).toEqual([]);
  expect(events).toContainEqual(expect.objectContaining({ type: 'log', message: `joining https://${hosts.host('master').address}:6443` }));
});

test('fails if a host stays unreachable, after retries, naming the host and its port', async () => {
  await hosts.stopHost('worker');
  try {
    const stack = new Stack(new App(), 'test');
    hostOf(stack, 'worker');
    const { result, events } = await run(stack);
    const worker = hosts.host('worker');
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(3);
    expect(result.result!.rootCauses).toEqual([
      expect.objectContaining({
        instance: 'worker-host_0',
        message: `worker-host_0: cloudify.interfaces.lifecycle.create failed after 4 attempts: cannot connect to host 'worker-host' (${worker.user}@${worker.address}:${worker.port}): connection refused (is sshd running on that port?)`,
      }),
    ]);
  } finally {
    await hosts.startHost('worker');
  }
});

test('fails if a script fails, with its output tail in the error and the secrets it printed masked', async () => {
  const stack = new Stack(new App(), 'test');
  new RemoteScript(stack, 'Leaky', { host: hostOf(stack, 'master'), create: 'echo "calling the API with $API_TOKEN"; exit 4', env: { API_TOKEN: Secret.fromName('api-token') } });
  const { result, events } = await run(stack);
  const [cause] = result.result!.rootCauses;
  expect(cause.message).toContain('the create script exited with code 4 on host');
  expect(cause.message).toContain('  | calling the API with ***');
  expect(JSON.stringify([result, events])).not.toContain(API_TOKEN);
});
