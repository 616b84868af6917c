/**
 * Crash safety on the real cloud: the engine is killed (SIGKILL) after Nova accepted the server
 * create and before the result was recorded; the next deploy adopts that server (check_drift
 * finds it by its identity) instead of creating a second one.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { REPO, assertBuilt, makeProject } from '../../cli/support';
import { runCliSlow as runCli } from './cli';
import { EMPTY_PROJECT, inventory, startOpenStack, TestCloud, TestProject } from '../../support/openstack/cloud';

const PROGRAM = `
import { App, Stack } from 'hybrid-iac';
import { OpenStackNetwork, OpenStackServer } from 'hybrid-iac/constructs/openstack';
const stack = new Stack(new App(), 'crash');
const network = new OpenStackNetwork(stack, 'Net', { cidr: '10.40.0.0/24', externalNetwork: '', defaultSecurityGroup: false });
new OpenStackServer(stack, 'Vm', { network, image: 'cirros', flavor: 'm1.nano' });
`;

describe('a deploy killed while a server is being created', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let api: OpenStackClient;
  let directory: string;
  let servers: any[] = [];

  const serversOfInstance = async () => (await api.list('compute', '/servers/detail', 'servers')).filter((server: any) => server.metadata?.hybrid_identity === 'crash.vm-server_0');

  beforeAll(async () => {
    assertBuilt();
    cloud = await startOpenStack();
    project = await cloud.project('crash');
    api = project.client();
    directory = makeProject({ 'main.ts': PROGRAM }, 'hybrid-openstack-crash-');

    // Deploy, and kill the engine the moment Nova has the server: it is still building, so the
    // engine is waiting for ACTIVE and has not recorded the create's result.
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'hybrid.js'), 'deploy', '--yes', '--no-typecheck'], {
      cwd: directory, env: { ...process.env, ...project.env, NO_COLOR: '1', HYBRID_HOME: path.join(directory, '.hybrid-home') }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && (await serversOfInstance()).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    await exited;
    servers = await serversOfInstance();
  }, 600_000);

  afterAll(async () => {
    if (directory) runCli(['destroy', '--yes'], directory, project.env);
    api?.close();
    await cloud?.cleanup();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  }, 300_000);

  const record = async () => (await new FileStateStore(path.join(directory, '.hybrid', 'crash')).load())?.instances['vm-server_0'];

  test('the kill came after Nova accepted the server and before its result was recorded', async () => {
    const server = await record();
    expect([servers.length, server?.status, server?.runtimeProperties?.id]).toEqual([1, 'creating', undefined]);
  });

  test('the next deploy adopts the server the killed run created', () => {
    const result = runCli(['deploy', '--yes', '--no-typecheck'], directory, project.env);
    expect([result.code, result.stderr]).toEqual([0, expect.stringContaining('vm-server_0: create from an interrupted run had finished; adopted what it created')]);
  }, 300_000);

  test('there is one server, not two, and state records it', async () => {
    const now = await serversOfInstance();
    const server = await record();
    expect([now.map((entry: any) => entry.id), server?.status, server?.runtimeProperties.id]).toEqual([[servers[0].id], 'started', servers[0].id]);
  });

  test('destroy afterwards leaves nothing', async () => {
    expect(runCli(['destroy', '--yes'], directory, project.env).code).toBe(0);
    expect(await inventory(api)).toEqual(EMPTY_PROJECT);
  }, 300_000);
});
