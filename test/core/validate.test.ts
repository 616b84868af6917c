import { Construct } from 'constructs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Input, InputType } from '../../lib/core/inputs';
import { ENV_NAMES, checkInstanceCounts, checkPort, checkString, checkStringMap, checkWhole, failOf } from '../../lib/core/validate';
import { invalidPropsMessage } from '../support/errors';
import { COMMAND, newStack } from '../synth/support';

function web(): NodeTemplate {
  return new NodeTemplate(newStack(), 'Web', { type: COMMAND });
}

const port = () => new Input(newStack(), 'Port', { type: InputType.INTEGER }).value;

describe('prop checks', () => {
  test('a failed check on a node template names its path and the line that created it', () => {
    const node = web();
    expect(invalidPropsMessage(() => checkString(node, 'address', 42))).toMatch(/^demo\/Web: address must be a string, got 42 \(at .*validate\.test\.ts:\d+:\d+\)$/);
  });

  test('a failed check on a plain construct names its path', () => {
    const group = new Construct(newStack(), 'Group');
    expect(invalidPropsMessage(() => checkString(group, 'name', undefined))).toMatch(/^demo\/Group: name must be a string, got undefined/);
  });

  test('a Fail given as the subject builds the error', () => {
    const fail = failOf(web());
    expect(invalidPropsMessage(() => checkWhole(fail, 'replicas', -1, 0))).toMatch(/^demo\/Web: replicas must be a whole number from 0 up, got -1/);
  });

  test('checkWhole names the unit and the range', () => {
    expect(invalidPropsMessage(() => checkWhole(web(), 'timeout', 0, 1, 3600, { unit: 'seconds' }))).toContain('timeout must be a whole number of seconds from 1 to 3600, got 0');
  });

  test('checkWhole rejects a fraction', () => {
    expect(invalidPropsMessage(() => checkWhole(web(), 'count', 1.5, 0))).toContain('count must be a whole number from 0 up, got 1.5');
  });

  test('checkWhole lets a Ref through by default', () => {
    expect(() => checkWhole(web(), 'count', port(), 0)).not.toThrow();
  });

  test('checkWhole refuses a Ref with refs: false', () => {
    expect(invalidPropsMessage(() => checkWhole(web(), 'count', port(), 0, undefined, { refs: false }))).toContain('count must be a whole number from 0 up');
  });

  test('checkWhole lets undefined through unless required', () => {
    expect(invalidPropsMessage(() => checkWhole(web(), 'sizeGb', undefined, 1, undefined, { required: true }))).toContain('sizeGb must be a whole number from 1 up, got undefined');
  });

  test('checkPort refuses 0', () => {
    expect(invalidPropsMessage(() => checkPort(web(), 'port', 0))).toContain('port must be a port number from 1 to 65535, got 0');
  });

  test('checkStringMap refuses a key its rule refuses', () => {
    expect(invalidPropsMessage(() => checkStringMap(web(), 'env', { 'MY-VAR': 'x' }, { keys: ENV_NAMES }))).toContain(`env variable names must be letters, digits and '_' (not starting with a digit), got "MY-VAR"`);
  });

  test('checkStringMap refuses a value its rule refuses', () => {
    const short = (value: string) => (value.length > 3 ? 'must be at most 3 characters' : undefined);
    expect(invalidPropsMessage(() => checkStringMap(web(), 'labels', { app: 'wordpress' }, { values: short }))).toContain('labels.app must be at most 3 characters');
  });

  test('checkStringMap refuses a non-string value', () => {
    expect(invalidPropsMessage(() => checkStringMap(web(), 'env', { PORT: 80 }))).toContain('env.PORT must be a string, got 80');
  });

  test('checkStringMap lets Ref values through', () => {
    expect(() => checkStringMap(web(), 'env', { PORT: port() })).not.toThrow();
  });

  test('checkInstanceCounts refuses a default below the minimum', () => {
    expect(invalidPropsMessage(() => checkInstanceCounts(web(), { default: 1, min: 2, max: -1 }, { default: 'default', min: 'min', max: 'max' }))).toContain('min <= default <= max must hold, got 2, 1, -1');
  });

  test('checkInstanceCounts takes -1 as no maximum', () => {
    expect(() => checkInstanceCounts(web(), { default: 5, min: 0, max: -1 }, { default: 'default', min: 'min', max: 'max' })).not.toThrow();
  });
});
