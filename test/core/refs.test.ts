import { ErrorCode } from '../../lib/core/errors';
import { Input, InputType, Secret } from '../../lib/core/inputs';
import { NodeTemplate } from '../../lib/core/node-template';
import { Fn, Ref } from '../../lib/core/refs';
import { COMMAND, blueprintOf, errorCodeOf, hybridErrorFrom, newStack } from '../synth/support';

function twoNodes() {
  const stack = newStack();
  const db = new NodeTemplate(stack, 'Db', { type: COMMAND, properties: { create: 'true' } });
  return { stack, db };
}

/** The resolved value of property `env.VALUE` of a node that holds `value`. */
function resolvedValue(build: (parts: ReturnType<typeof twoNodes>) => unknown): unknown {
  const parts = twoNodes();
  new NodeTemplate(parts.stack, 'Web', { type: COMMAND, properties: { create: 'true', env: { VALUE: build(parts) } } });
  return blueprintOf(parts.stack).node_templates.web.properties.env.VALUE;
}

describe('references resolve to intrinsic functions', () => {
  test('node.attr() becomes get_attribute with the node template name', () => {
    expect(resolvedValue(({ db }) => db.attr('ip'))).toEqual({ get_attribute: ['db', 'ip'] });
  });

  test('node.attr() with a path keeps the keys and indexes after the attribute', () => {
    expect(resolvedValue(({ db }) => db.attr('addresses', 0, 'ip'))).toEqual({ get_attribute: ['db', 'addresses', 0, 'ip'] });
  });

  test('node.prop() becomes get_property', () => {
    expect(resolvedValue(({ db }) => db.prop('create'))).toEqual({ get_property: ['db', 'create'] });
  });

  test('input.value becomes get_input with the input name', () => {
    expect(resolvedValue(({ stack }) => new Input(stack, 'region').value)).toEqual({ get_input: 'region' });
  });

  test('input.at() becomes get_input with a path', () => {
    expect(resolvedValue(({ stack }) => new Input(stack, 'sizes', { type: InputType.DICT }).at('small'))).toEqual({ get_input: ['sizes', 'small'] });
  });

  test('Secret.fromName() becomes get_secret', () => {
    expect(resolvedValue(() => Secret.fromName('db_password'))).toEqual({ get_secret: 'db_password' });
  });

  test('Fn.concat() becomes concat with each part resolved', () => {
    expect(resolvedValue(({ db }) => Fn.concat('http://', db.attr('ip'), ':', 8080))).toEqual({ concat: ['http://', { get_attribute: ['db', 'ip'] }, ':', 8080] });
  });

  test('Fn.capability() becomes get_capability', () => {
    expect(resolvedValue(() => Fn.capability('network', 'subnet_id'))).toEqual({ get_capability: ['network', 'subnet_id'] });
  });

  test('Fn.selfAttribute() becomes get_attribute on SELF', () => {
    expect(resolvedValue(() => Fn.selfAttribute('pid'))).toEqual({ get_attribute: ['SELF', 'pid'] });
  });

  test('Ref.isRef recognizes a Ref by its brand, not its class', () => {
    const { db } = twoNodes();
    const copy = Object.create(null);
    Object.defineProperty(copy, Symbol.for('hybrid.Ref'), { value: true });
    expect([Ref.isRef(db.attr('ip')), Ref.isRef(copy), Ref.isRef({ get_attribute: ['db', 'ip'] })]).toEqual([true, true, false]);
  });
});

describe('a Ref used as a plain string', () => {
  test('fails if a Ref is used in a template literal', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => `http://${db.attr('ip')}`)).toBe(ErrorCode.RefUsedAsString);
  });

  test('fails if a Ref is passed to String()', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => String(db.attr('ip')))).toBe(ErrorCode.RefUsedAsString);
  });

  test('fails if a Ref is joined with +', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => 'http://' + (db.attr('ip') as any))).toBe(ErrorCode.RefUsedAsString);
  });

  test('fails if a Ref is serialized with JSON.stringify', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => JSON.stringify({ url: db.attr('ip') }))).toBe(ErrorCode.RefUsedAsString);
  });

  test('the error names the fix: Fn.concat', () => {
    const { db } = twoNodes();
    expect(hybridErrorFrom(() => `${db.attr('ip')}`).message).toContain('Fn.concat(');
  });

  test('the error names the reference and the construct it belongs to', () => {
    const { db } = twoNodes();
    expect(hybridErrorFrom(() => `${db.attr('ip')}`).message).toContain("the attribute 'ip' of demo/Db");
  });

  test("the error points at the program's file and line", () => {
    const { db } = twoNodes();
    expect(hybridErrorFrom(() => `${db.attr('ip')}`).location).toMatch(/refs\.test\.ts:\d+:\d+$/);
  });
});

describe('reference arguments', () => {
  test('fails if an attribute path holds something other than strings and numbers', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => db.attr('ip', db.attr('index') as any))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if an attribute name is empty', () => {
    const { db } = twoNodes();
    expect(errorCodeOf(() => db.attr(''))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if Fn.concat gets an object', () => {
    expect(errorCodeOf(() => Fn.concat('a', { b: 1 }))).toBe(ErrorCode.InvalidProps);
  });

  test('fails if a secret name has characters outside letters, digits, _ and -', () => {
    expect(errorCodeOf(() => Secret.fromName('db password'))).toBe(ErrorCode.InvalidProps);
  });
});
