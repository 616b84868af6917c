import { load } from 'js-yaml';
import { toYaml } from '../../synth/yaml';
import { generatedValue, random } from './yaml-generator';

function roundTrip(value: unknown): unknown {
  return (load(toYaml({ value })) as any).value;
}

describe('toYaml', () => {
  test.each([
    ['a YAML 1.1 boolean word', 'yes'],
    ['a capitalized boolean word', 'No'],
    ['a null word', 'null'],
    ['a tilde', '~'],
    ['an integer as a string', '8080'],
    ['a float as a string', '3.14'],
    ['an octal-looking string', '0644'],
    ['a sexagesimal-looking string', '1:30'],
    ['a date-looking string', '2024-01-01'],
    ['an empty string', ''],
    ['a leading space', ' indented'],
    ['a trailing space', 'trailing '],
    ['a multi-line string', 'line one\nline two\n'],
    ['a multi-line string without a final newline', 'line one\nline two'],
    ['a multi-line string with trailing blank lines', 'text\n\n\n'],
    ['a multi-line string that starts indented', '  indented\nnext'],
    ['only newlines', '\n\n'],
    ['a carriage return', 'a\r\nb'],
    ['unicode', 'café ☕ 日本 🙂'],
    ['a comment marker', 'a #comment'],
    ['a leading hash', '#hash'],
    ['a colon and space', 'key: value'],
    ['a trailing colon', 'key:'],
    ['quotes', 'say "hi" and \'bye\''],
    ['a backslash', 'C:\\Windows\\System32'],
    ['a document marker', '---'],
    ['a merge key', '<<'],
    ['an equals sign (YAML 1.1 value key)', '='],
    ['Unicode line separators', 'a\u2028b\u2029c\u0085d'],
    ['control characters', 'bell\u0007 escape\u001b del\u007f'],
    ['a byte order mark', '\ufeffbom'],
  ])('reads back %s unchanged', (_label, value) => {
    expect(roundTrip(value)).toBe(value);
  });

  test('reads back keys that need quoting unchanged', () => {
    const document = { 'yes': 1, '8080': 2, 'a: b': 3, '': 4, ' x': 5 };
    expect(load(toYaml({ value: document }))).toEqual({ value: document });
  });

  test('reads back large and small numbers as numbers', () => {
    expect(roundTrip([1e21, 1e-7, -0.5, 0])).toEqual([1e21, 1e-7, -0.5, 0]);
  });

  test('writes exponent numbers with a decimal point, as YAML 1.1 requires for floats', () => {
    expect(toYaml({ value: 1e21 })).toBe('value: 1.0e+21\n');
  });

  test('writes empty collections inline', () => {
    expect(toYaml({ list: [], map: {} })).toBe('list: []\nmap: {}\n');
  });

  test('writes a mapping inside a list on the dash line', () => {
    expect(toYaml({ list: [{ type: 't', target: 'x' }] })).toBe('list:\n  - type: t\n    target: x\n');
  });

  test('writes plain words without quotes', () => {
    expect(toYaml({ type: 'hybrid.nodes.local.Command' })).toBe('type: hybrid.nodes.local.Command\n');
  });

  test('leaves out keys whose value is undefined', () => {
    expect(toYaml({ a: 1, b: undefined })).toBe('a: 1\n');
  });

  test('writes the same text for the same value every time', () => {
    const value = generatedValue(random(7), 0);
    expect(toYaml({ value })).toBe(toYaml({ value }));
  });

  test('reads back 2,000 generated documents unchanged (seeded, property-based)', () => {
    const failures: Array<{ seed: number; value: unknown }> = [];
    for (let seed = 1; seed <= 2000; seed++) {
      const value = generatedValue(random(seed), 0);
      let back: unknown;
      try {
        back = roundTrip(value);
      } catch (error) {
        back = error;
      }
      if (JSON.stringify(back) !== JSON.stringify(value)) failures.push({ seed, value });
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
