/**
 * Failures the real cloud produces, and what the provider makes of them: Nova's fault message,
 * quotas named, conflicts retried until they settle, tokens renewed, credentials never shown.
 */
import { HybridError } from '../../../lib/core/errors';
import { NonRecoverableError } from '../../../lib/engine/provider';
import { openstackProvider } from '../../../lib/providers/openstack';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { FLAVOR, IMAGE, TestCloud, TestProject, inventory, startOpenStack } from '../../support/openstack/cloud';
import { Driver } from './context';

async function failureOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('OpenStack faults on a real cloud', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let admin: OpenStackClient;
  let api: OpenStackClient;
  let driver: Driver;

  beforeAll(async () => {
    cloud = await startOpenStack();
    project = await cloud.project('faults');
    admin = cloud.admin();
    api = project.client();
    driver = new Driver(openstackProvider({ env: project.env }), project, 'faults');
  }, 600_000);

  afterAll(async () => {
    await admin?.put('compute', `/os-quota-sets/${project.projectId}`, { quota_set: { instances: 10 } }).catch(() => undefined);
    admin?.close();
    api?.close();
    await cloud?.cleanup();
  });

  test('fails if a server goes to ERROR, with Nova\'s fault message, and deletes the failed server', async () => {
    // A flavor no hypervisor can hold: the scheduler puts the server in ERROR with "No valid host".
    const flavor = (await admin.post('compute', '/flavors', { flavor: { name: `huge-${project.projectName}`, ram: 64, vcpus: 1, disk: 100_000_000 } })).body.flavor;
    try {
      const error = await failureOf(driver.call('server', 'create', driver.instance('doomed_0'), { image: IMAGE, flavor: flavor.id }));
      expect(error).toBeInstanceOf(NonRecoverableError);
      expect(error.message).toMatch(/server faults\.doomed_0 went to ERROR: No valid host was found/);
      expect((await inventory(api)).servers).toEqual([]);
    } finally {
      await admin.delete('compute', `/flavors/${flavor.id}`);
    }
  }, 180_000);

  test('fails if the instances quota is exceeded, naming the quota', async () => {
    await admin.put('compute', `/os-quota-sets/${project.projectId}`, { quota_set: { instances: 0 } });
    const error = await failureOf(driver.call('server', 'create', driver.instance('over_0'), { image: IMAGE, flavor: FLAVOR }));
    await admin.put('compute', `/os-quota-sets/${project.projectId}`, { quota_set: { instances: 10 } });
    expect([error instanceof NonRecoverableError, error.message]).toEqual([true, expect.stringMatching(/quota exceeded for instances: .*request id req-/)]);
  });

  test('fails if the network quota is exceeded, naming the quota, without retrying', async () => {
    await admin.put('network', `/v2.0/quotas/${project.projectId}`, { quota: { network: 0 } });
    const error = await failureOf(driver.call('network', 'create', driver.instance('over-net_0'), {}));
    await admin.delete('network', `/v2.0/quotas/${project.projectId}`);
    expect([error instanceof NonRecoverableError, error.message]).toEqual([true, expect.stringMatching(/^creating network faults\.over-net_0: quota exceeded for network: /)]);
  });

  test('a network delete answered 409 while a port is in use is retried until the port is gone', async () => {
    const network = driver.instance('busy_0');
    await driver.call('network', 'create', network, {});
    // A port hybrid does not know about keeps the network in use for a few seconds.
    const port = (await api.post('network', '/v2.0/ports', { port: { network_id: network.runtime.id, name: 'stray' } })).body.port;
    const release = new Promise<void>((resolve, reject) => setTimeout(() => api.delete('network', `/v2.0/ports/${port.id}`).then(() => resolve(), reject), 2500));
    await driver.call('network', 'delete', network, {});
    await release;
    const retries = network.logs.filter((entry) => entry.message.startsWith(`retrying the delete of network ${network.runtime.id ?? ''}`));
    expect(retries[0]?.message).toMatch(/answered 409 NetworkInUse: .*request id req-/);
    expect((await api.get('network', '/v2.0/networks', { query: { name: network.identity } })).body.networks).toEqual([]);
  }, 120_000);

  test('a delete also removes a second resource with the same identity, left by a create that outlived its request', async () => {
    const port = driver.instance('twin_0');
    const network = (await api.post('network', '/v2.0/networks', { network: { name: 'twins' } })).body.network;
    await driver.call('port', 'create', port, { network_id: network.id });
    // What a create abandoned on timeout and finished later by Neutron looks like: same identity, another id.
    await api.post('network', '/v2.0/ports', { port: { network_id: network.id, name: port.identity, description: `hybrid:${port.identity}` } });
    await driver.call('port', 'delete', port, { network_id: network.id });
    const left = (await api.get('network', '/v2.0/ports', { query: { network_id: network.id } })).body.ports;
    await api.delete('network', `/v2.0/networks/${network.id}`);
    expect([left, port.logs.some((entry) => entry.level === 'warn' && entry.message.includes('a second port with the identity faults.twin_0'))]).toEqual([[], true]);
  });

  test('a revoked token is replaced by a new one transparently', async () => {
    // Services cache tokens they validated, so revoke one that no service has seen yet.
    const client = project.client();
    await client.projectId();
    const token = (client as any).token.value as string;
    await admin.delete('identity', '/auth/tokens', { headers: { 'X-Subject-Token': token } });
    await client.get('network', '/v2.0/networks');
    expect(client.authentications).toBe(2);
    client.close();
  });

  test('a token about to expire is renewed before the next request', async () => {
    // Keystone's tokens live an hour: renewing 3 s short of that makes a request 3 s later renew.
    // Counted across the second request only: under load the first may itself outlive its token.
    const client = project.client({ renewBeforeMs: 3600_000 - 3000 });
    await client.get('network', '/v2.0/networks');
    const before = client.authentications;
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await client.get('network', '/v2.0/networks');
    expect(client.authentications - before).toBe(1);
    client.close();
  });

  test('fails with ProviderAuthFailed if the password is wrong, and the message does not show it', async () => {
    const client = new OpenStackClient({ ...project.config, password: 'wrong-password-4d1c' });
    const error = await failureOf(client.get('network', '/v2.0/networks'));
    client.close();
    expect([HybridError.isHybridError(error) && error.code, error.message.includes('wrong-password-4d1c')]).toEqual(['ProviderAuthFailed', false]);
    expect(error.message).toMatch(/Keystone of cloud '.*' refused the password auth of user t-faults-\w+: 401 .*request id req-/);
  });

  test('lists follow pagination links to the end', async () => {
    const names = ['page-a', 'page-b', 'page-c'];
    const created = [];
    for (const name of names) created.push((await api.post('network', '/v2.0/networks', { network: { name } })).body.network.id);
    const listed = await api.list('network', '/v2.0/networks', 'networks', { query: { limit: 1, project_id: project.projectId } });
    for (const id of created) await api.delete('network', `/v2.0/networks/${id}`);
    expect(listed.map((network: any) => network.name).sort()).toEqual(names);
  });

  test('each service gets only its own microversion', async () => {
    expect([await api.microversion('compute'), await api.microversion('block-storage'), await api.microversion('network')]).toEqual(['2.79', '3.59', undefined]);
    // Cinder answers 400 to a compute version header (reference trap 5): this request would fail.
    expect((await api.get('block-storage', '/volumes')).status).toBe(200);
  });
});
