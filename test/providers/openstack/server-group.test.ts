/**
 * Server groups against the real test cloud, through the provider's handlers: the group Nova
 * keeps, servers placed by it (its one compute host makes anti-affinity observable), adoption of
 * a create whose answer was lost, drift, and a delete that leaves nothing.
 */
import { NonRecoverableError } from '../../../lib/engine/provider';
import { openstackProvider } from '../../../lib/providers/openstack';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { EMPTY_PROJECT, FLAVOR, IMAGE, TestCloud, TestProject, inventory, startOpenStack } from '../../support/openstack/cloud';
import { Driver, Instance } from './context';

describe('OpenStack server groups on a real cloud', () => {
  let cloud: TestCloud;
  let project: TestProject;
  let api: OpenStackClient;
  let driver: Driver;
  let spread: Instance;
  let strict: Instance;
  const servers: Instance[] = [];

  const server = async (id: string, group: Instance) => {
    const instance = driver.instance(id);
    servers.push(instance);
    await driver.call('server', 'create', instance, { image: IMAGE, flavor: FLAVOR, server_group: group.runtime.id });
    return instance;
  };

  beforeAll(async () => {
    cloud = await startOpenStack();
    project = await cloud.project('groups');
    api = project.client();
    driver = new Driver(openstackProvider({ env: project.env }), project, 'groups');
    spread = driver.instance('spread_0');
    strict = driver.instance('strict_0');
  }, 600_000);

  afterAll(async () => {
    for (const instance of servers) await driver.call('server', 'delete', instance, {}).catch(() => undefined);
    for (const instance of [spread, strict]) if (instance?.runtime.id) await driver.call('server_group', 'delete', instance, {}).catch(() => undefined);
    api?.close();
    await cloud?.cleanup();
  });

  test('a server group is created with the identity as its name and the policy asked for', async () => {
    await driver.call('server_group', 'create', spread, { policy: 'soft-anti-affinity' });
    const found = (await api.get('compute', `/os-server-groups/${spread.runtime.id}`)).body.server_group;
    expect([found.name, found.policy ?? found.policies[0], spread.runtime.policy]).toEqual(['groups.spread_0', 'soft-anti-affinity', 'soft-anti-affinity']);
  });

  test('two servers with a soft anti-affinity group share the one compute host and are both members', async () => {
    const [first, second] = [await server('soft-a_0', spread), await server('soft-b_0', spread)];
    const found = (await api.get('compute', `/os-server-groups/${spread.runtime.id}`)).body.server_group;
    expect(found.members.sort()).toEqual([first.runtime.id, second.runtime.id].sort());
  }, 180_000);

  test('a second server of a hard anti-affinity group fails with Nova\'s fault message: the cloud has one compute host', async () => {
    await driver.call('server_group', 'create', strict, { policy: 'anti-affinity' });
    await server('hard-a_0', strict);
    const doomed = driver.instance('hard-b_0');
    servers.push(doomed);
    const error = await driver.call('server', 'create', doomed, { image: IMAGE, flavor: FLAVOR, server_group: strict.runtime.id }).then(() => undefined, (failure: Error) => failure);
    expect([error instanceof NonRecoverableError, error?.message]).toEqual([true, expect.stringMatching(/server groups\.hard-b_0 went to ERROR: No valid host was found/)]);
  }, 180_000);

  test('a create whose answer was lost adopts the group it made instead of making a second', async () => {
    const lost = driver.instance('lost_0');
    const made = (await api.post('compute', '/os-server-groups', { server_group: { name: lost.identity, policy: 'affinity' } })).body.server_group;
    await driver.call('server_group', 'create', lost, { policy: 'affinity' });
    const named = (await api.get('compute', '/os-server-groups')).body.server_groups.filter((group: any) => group.name === lost.identity);
    expect([lost.runtime.id, named.length]).toEqual([made.id, 1]);
    await driver.call('server_group', 'delete', lost, {});
  });

  test('read reports a policy that differs from the properties as drift', async () => {
    const result = await driver.call('server_group', 'read', spread, { policy: 'anti-affinity' });
    expect([result.exists, result.drift]).toEqual([true, ['policy is soft-anti-affinity, not anti-affinity']]);
  });

  test('fails if max_servers_per_host is given with a soft policy, saying it needs anti-affinity', async () => {
    await expect(driver.call('server_group', 'create', driver.instance('odd_0'), { policy: 'soft-affinity', max_servers_per_host: 2 })).rejects.toThrow('max_servers_per_host needs the anti-affinity policy');
  });

  test('an anti-affinity group keeps max_servers_per_host as a rule', async () => {
    const pair = driver.instance('pairs_0');
    await driver.call('server_group', 'create', pair, { policy: 'anti-affinity', max_servers_per_host: 2 });
    const found = (await api.get('compute', `/os-server-groups/${pair.runtime.id}`)).body.server_group;
    await driver.call('server_group', 'delete', pair, {});
    expect(found.rules).toEqual({ max_server_per_host: 2 });
  });

  test('deleting the servers and the groups leaves nothing in the project', async () => {
    for (const instance of servers.splice(0)) await driver.call('server', 'delete', instance, {});
    for (const instance of [spread, strict]) await driver.call('server_group', 'delete', instance, {});
    expect(await inventory(api)).toEqual(EMPTY_PROJECT);
  }, 180_000);
});
