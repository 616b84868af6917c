import { blueprintProblems, synthesizeSample } from '../../test/support/samples';

describe('samples/wordpress', () => {
  const [stack] = synthesizeSample(__dirname);

  test('synthesizes one stack named wordpress', () => {
    expect(stack.stackName).toBe('wordpress');
  });

  test('synthesizes a schema-valid Cloudify DSL 1.4 blueprint', () => {
    expect(blueprintProblems(stack)).toEqual([]);
  });

  test('keeps the database password out of the blueprint: it is a get_secret', () => {
    expect(stack.files['blueprint.yaml']).toContain('get_secret: wordpress-db-password');
  });

  test('synthesizes the blueprint it always has', () => {
    expect(stack.files['blueprint.yaml']).toMatchSnapshot();
  });
});
