/**
 * Quoting for cmd.exe, the C runtime and the service control manager, checked on models of those
 * parsers with seeded hostile strings (service.test.ts checks the real ones on the Wine host).
 */
import {
  UnquotableError, batchRunLine, batchSetLine, commandLine, crtQuotePiece, escapeForCmd, quoteArgument, raw, serviceCommandLine,
} from '../../../lib/providers/windows/quoting';
import { hostileString, randomSource } from './support/hostile-strings';
import { cmdPhase2, crtSplit, expandableReferences } from './support/parsers';

const SEED = 0x3ac0_2026;
const random = randomSource(SEED);
const values = Array.from({ length: 400 }, () => hostileString(random, 8));

test(`both C runtime generations split quoted arguments back into the hostile values (seed ${SEED})`, () => {
  const line = values.map((value) => quoteArgument(value)).join(' ');
  expect(crtSplit(line, 'msvcrt2008')).toEqual(values);
  expect(crtSplit(line, 'msvcrt2005')).toEqual(values);
});

test(`no %NAME% reference in a quoted argument can be expanded (seed ${SEED})`, () => {
  expect(values.flatMap((value) => expandableReferences(quoteArgument(value)))).toEqual([]);
});

test(`cmd.exe hands sc.exe every hostile argument unchanged (seed ${SEED})`, () => {
  const line = commandLine('sc.exe', [raw('description'), ...values]);
  const handed = cmdPhase2(line);
  expect(handed.startsWith('sc.exe description ')).toBe(true);
  expect(crtSplit(handed.slice('sc.exe '.length), 'msvcrt2008')).toEqual(['description', ...values]);
});

test(`a service command line survives cmd.exe, sc.exe, the service control manager and the service's C runtime (seed ${SEED})`, () => {
  const args = values.slice(0, 40);
  const imagePath = serviceCommandLine('C:\\Program Files (x86)\\App & Co\\svc.exe', args);
  const line = commandLine('sc.exe', [raw('create'), 'svc', raw('binPath='), imagePath]);
  expect(expandableReferences(line)).toEqual([]);
  const stored = crtSplit(cmdPhase2(line).slice('sc.exe '.length), 'msvcrt2008')[3];
  expect(stored).toBe(imagePath);
  expect(expandableReferences(stored.slice(stored.indexOf('" ') + 1))).toEqual([]);
  expect(crtSplit(stored.slice(stored.indexOf('" ') + 1), 'msvcrt2008')).toEqual(args);
});

test('the binary path keeps its %NAME% references for the service control manager to expand', () => {
  expect(serviceCommandLine('%SystemRoot%\\System32\\svchost.exe', ['-k', 'netsvcs'])).toBe('"%SystemRoot%\\System32\\svchost.exe" "-k" "netsvcs"');
});

test('an empty argument stays an argument', () => {
  expect(crtSplit(`${quoteArgument('')} ${quoteArgument('x')}`, 'msvcrt2008')).toEqual(['', 'x']);
});

test('backslashes before a quote and at the end of a piece are doubled', () => {
  expect(crtQuotePiece('a\\"b\\')).toBe('"a\\\\\\"b\\\\"');
});

test(`a session command line holds no caret of its own (seed ${SEED})`, () => {
  const withoutCarets = values.filter((value) => !value.includes('^'));
  expect(commandLine('sc.exe', withoutCarets)).not.toContain('^');
});

test('operators outside double quotes get a caret in batch lines, those inside do not', () => {
  expect(escapeForCmd('x "a&b" c&d')).toBe('x "a&b" c^&d');
});

test('fails if a value holds a line feed', () => {
  expect(() => quoteArgument('a\nb', 'the description')).toThrow(new UnquotableError('the description', 'contains a line feed, which no Windows command line can carry'));
});

test('fails if a value holds a NUL character', () => {
  expect(() => quoteArgument('a\0b')).toThrow(/NUL character/);
});

test('fails if a raw option word holds a quote', () => {
  expect(() => raw('binPath="')).toThrow(/not a plain option word/);
});

test(`a batch set line gives cmd.exe back every printable-ASCII hostile value (seed ${SEED})`, () => {
  const asciiRandom = randomSource(SEED + 1);
  for (let index = 0; index < 200; index++) {
    const value = hostileString(asciiRandom, 8, true);
    const line = batchSetLine('V', value);
    // Phase 1 of a batch file turns %% into %; phase 2 removes the carets (no quote is ever open).
    expect(cmdPhase2(line.replace(/%%/g, '%'))).toBe(`set V=${value}`);
  }
});

test('a batch run line doubles the percent signs of arguments and keeps those of the program', () => {
  expect(batchRunLine('%ProgramFiles%\\svc.exe', ['50%', 'a&b'])).toBe('"%ProgramFiles%\\svc.exe" "50%%" "a&b"');
});

test('fails if a launcher value is not printable ASCII', () => {
  expect(() => batchSetLine('GREETING', 'grüß')).toThrow(/contains "ü" \(U\+00FC\).*only printable ASCII/);
});
