import { deploy, diff } from '../../lib/engine/workflows';
import { EngineHarness, recordingBlueprint, recordingModel } from './support/fixtures';

function blueprint(replicas: number, image: string) {
  return recordingBlueprint({
    app: { type: 'test.nodes.Resource', properties: { value: { spec: { replicas, template: { image } }, labels: ['a', 'b'] } } },
  });
}

describe('plan changes inside structured properties', () => {
  const harness = new EngineHarness();
  afterAll(() => harness.cleanup());

  test('names the changed leaf with its old and new value', async () => {
    await deploy(recordingModel(blueprint(1, 'web:1')), harness.deployOptions());
    const plan = await diff(recordingModel(blueprint(2, 'web:1')), harness.deployOptions());
    expect(plan.steps[0].changes).toEqual([expect.objectContaining({ property: 'value', path: 'value.spec.replicas', before: '1', after: '2' })]);
  });

  test('lists each changed leaf once', async () => {
    const plan = await diff(recordingModel(blueprint(3, 'web:2')), harness.deployOptions());
    expect(plan.steps[0].changes.map((change) => change.path)).toEqual(['value.spec.replicas', 'value.spec.template.image']);
  });
});
