import { blueprintProblems, synthesizeSample } from '../../test/support/samples';

describe('samples/bare-metal-cluster', () => {
  const [stack] = synthesizeSample(__dirname);

  test('synthesizes one stack named bare-metal-cluster', () => {
    expect(stack.stackName).toBe('bare-metal-cluster');
  });

  test('synthesizes a schema-valid Cloudify DSL 1.4 blueprint', () => {
    expect(blueprintProblems(stack)).toEqual([]);
  });

  test("WordPress's objects reach the cluster through the kubeconfig the master published", () => {
    expect(stack.blueprint.node_templates['blog-wordpress'].properties!.client_config).toEqual({ kubeconfig: { get_attribute: ['cluster-master', 'kubeconfig'] } });
  });

  test('synthesizes the blueprint it always has', () => {
    expect(stack.files['blueprint.yaml']).toMatchSnapshot();
  });
});
