import { blueprintProblems, synthesizeSample } from '../../test/support/samples';

describe('samples/local-hello', () => {
  const [stack] = synthesizeSample(__dirname);

  test('synthesizes one stack named local-hello', () => {
    expect(stack.stackName).toBe('local-hello');
  });

  test('synthesizes a schema-valid Cloudify DSL 1.4 blueprint', () => {
    expect(blueprintProblems(stack)).toEqual([]);
  });

  test('synthesizes the blueprint it always has', () => {
    expect(stack.files['blueprint.yaml']).toMatchSnapshot();
  });
});
