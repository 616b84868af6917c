import { ErrorCode } from '../../lib/core/errors';
import { Constraint, Input, InputType, Output, checkInputValue } from '../../lib/core/inputs';
import { errorCodeOf, hybridErrorFrom, newStack } from '../synth/support';

describe('Input', () => {
  test('takes its id as the input name', () => {
    expect(new Input(newStack(), 'region').inputName).toBe('region');
  });

  test('defaults to the string type', () => {
    expect(new Input(newStack(), 'region').type).toBe(InputType.STRING);
  });

  test('accepts a default that meets its constraints', () => {
    expect(new Input(newStack(), 'workers', { type: InputType.INTEGER, default: 3, constraints: [Constraint.inRange(1, 5)] }).defaultValue).toBe(3);
  });

  test('fails if the default is not of the declared type', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'workers', { type: InputType.INTEGER, default: '3' }))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if the default violates a constraint', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'workers', { type: InputType.INTEGER, default: 9, constraints: [Constraint.inRange(1, 5)] }))).toBe(ErrorCode.InvalidInput);
  });

  test('the constraint error names the value and the constraint', () => {
    const error = hybridErrorFrom(() => new Input(newStack(), 'size', { default: 'huge', constraints: [Constraint.validValues(['small', 'large'])] }));
    expect(error.message).toContain('"huge" violates constraint valid_values');
  });

  test("the default error carries the input's path and the program's file and line", () => {
    const error = hybridErrorFrom(() => new Input(newStack(), 'workers', { type: InputType.INTEGER, default: 'many' }));
    expect([error.path, error.location]).toEqual(['demo/workers', expect.stringMatching(/inputs\.test\.ts:\d+:\d+$/)]);
  });

  test('fails if a numeric constraint is put on a string input', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'name', { constraints: [Constraint.greaterThan(1)] }))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if a pattern constraint is put on an integer input', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'port', { type: InputType.INTEGER, constraints: [Constraint.pattern('[0-9]+')] }))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if a constraint is not built with Constraint', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'port', { type: InputType.INTEGER, constraints: [{ in_range: [1, 2] } as any] }))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if the type is not a DSL input type', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'port', { type: 'number' as any }))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if the id is not a valid input name', () => {
    expect(errorCodeOf(() => new Input(newStack(), 'db-password'))).toBe(ErrorCode.InvalidInput);
  });
});

describe('Constraint', () => {
  test('pattern matches the whole value', () => {
    expect(checkInputValue('string', [Constraint.pattern('[a-z]+')], 'abc1')).toContain('violates constraint pattern');
  });

  test('length constraints count list items', () => {
    expect(checkInputValue('list', [Constraint.maxLength(2)], [1, 2, 3])).toContain('violates constraint max_length');
  });

  test('the blueprint form is a one-key mapping', () => {
    expect(Constraint.inRange(1, 5).toBlueprint()).toEqual({ in_range: [1, 5] });
  });

  test('fails if inRange gets its bounds reversed', () => {
    expect(errorCodeOf(() => Constraint.inRange(5, 1))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if validValues gets no values', () => {
    expect(errorCodeOf(() => Constraint.validValues([]))).toBe(ErrorCode.InvalidInput);
  });

  test('fails if pattern gets an invalid regular expression', () => {
    expect(errorCodeOf(() => Constraint.pattern('(['))).toBe(ErrorCode.InvalidInput);
  });
});

describe('Output', () => {
  test('fails if it has no value', () => {
    expect(errorCodeOf(() => new Output(newStack(), 'url', { value: undefined }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if the id is not a valid output name', () => {
    expect(errorCodeOf(() => new Output(newStack(), 'the-url', { value: 'x' }))).toBe(ErrorCode.InvalidProps);
  });
});

describe('errors from static factories', () => {
  test("carry the program's file and line", () => {
    expect(hybridErrorFrom(() => Constraint.inRange(5, 1)).location).toMatch(/inputs\.test\.ts:\d+:\d+$/);
  });
});
