import { blueprintProblems, synthesizeSample } from '../../test/support/samples';

describe('samples/k8s-on-openstack', () => {
  const [stack] = synthesizeSample(__dirname);
  const groups = stack.blueprint.groups as { [name: string]: { members: string[] } };
  const policies = stack.blueprint.policies as { [name: string]: any };

  test('synthesizes one stack named k8s-on-openstack', () => {
    expect(stack.stackName).toBe('k8s-on-openstack');
  });

  test('synthesizes a schema-valid Cloudify DSL 1.4 blueprint', () => {
    expect(blueprintProblems(stack)).toEqual([]);
  });

  test("a worker unit is the worker VM's port, server, floating IP, volume and its attachment (and what the server contains)", () => {
    expect(groups['cluster-workers'].members).toEqual([
      'cluster-worker-vm-floating-ip', 'cluster-worker-vm-port', 'cluster-worker-vm-server', 'cluster-worker-vm-volume-attachment0', 'cluster-worker-vm-volume0',
    ]);
  });

  test('the workers scale from 1 to 10 and start at 2', () => {
    expect(Object.values(policies).map((policy) => [policy.targets, policy.properties])).toEqual([
      [['cluster-workers'], { default_instances: 2, min_instances: 1, max_instances: 10 }],
    ]);
  });

  test("the worker's SSH host is contained in the worker's server, so it scales with the unit", () => {
    expect(stack.blueprint.node_templates['cluster-worker-host'].relationships!.filter((relationship: any) => relationship.type === 'cloudify.relationships.contained_in')).toEqual([
      { type: 'cloudify.relationships.contained_in', target: 'cluster-worker-vm-server' },
    ]);
  });

  test("the worker's install sits on the worker's host, so it scales with the unit", () => {
    expect(stack.blueprint.node_templates['cluster-worker'].relationships!.filter((relationship: any) => relationship.type === 'cloudify.relationships.contained_in')).toEqual([
      { type: 'cloudify.relationships.contained_in', target: 'cluster-worker-host' },
    ]);
  });

  test("hybrid logs in to each VM at its floating IP with the generated key pair's private key", () => {
    const host = stack.blueprint.node_templates['cluster-worker-host'].properties!;
    expect([host.address, host.auth]).toEqual([{ get_attribute: ['cluster-worker-vm-floating-ip', 'floating_ip_address'] }, { method: 'private_key', private_key: { get_attribute: ['cluster-key-pair', 'private_key'] } }]);
  });

  test("WordPress's objects reach the cluster through the kubeconfig the master published", () => {
    expect(stack.blueprint.node_templates['blog-wordpress'].properties!.client_config).toEqual({ kubeconfig: { get_attribute: ['cluster-master', 'kubeconfig'] } });
  });

  test('synthesizes the blueprint it always has', () => {
    expect(stack.files['blueprint.yaml']).toMatchSnapshot();
  });
});
