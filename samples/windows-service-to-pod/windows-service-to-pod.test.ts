import { blueprintProblems, synthesizeSample } from '../../test/support/samples';

describe('samples/windows-service-to-pod', () => {
  const [stack] = synthesizeSample(__dirname);

  test('synthesizes one stack named windows-service-to-pod', () => {
    expect(stack.stackName).toBe('windows-service-to-pod');
  });

  test('synthesizes a schema-valid Cloudify DSL 1.4 blueprint', () => {
    expect(blueprintProblems(stack)).toEqual([]);
  });

  test('synthesizes the blueprint it always has', () => {
    expect(stack.files['blueprint.yaml']).toMatchSnapshot();
  });
});
