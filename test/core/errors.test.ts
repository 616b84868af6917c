import * as fs from 'fs';
import * as path from 'path';
import { ERROR_CATALOGUE, ErrorCode, HybridError } from '../../lib/core/errors';

describe('HybridError', () => {
  test('carries its code', () => {
    expect(new HybridError(ErrorCode.CycleDetected, 'a -> b -> a').code).toBe(ErrorCode.CycleDetected);
  });

  test("gives the fix from the catalogue for its code", () => {
    expect(new HybridError(ErrorCode.StateLocked, 'locked').fix).toBe(ERROR_CATALOGUE.StateLocked.fix);
  });

  test('keeps the cause it wraps', () => {
    const cause = new Error('socket closed');
    expect(new HybridError(ErrorCode.HostUnreachable, 'host down', { cause }).cause).toBe(cause);
  });

  test('isHybridError recognizes an error by its brand', () => {
    const foreign = new Error('x');
    Object.defineProperty(foreign, Symbol.for('hybrid.HybridError'), { value: true });
    expect([HybridError.isHybridError(foreign), HybridError.isHybridError(new Error('x'))]).toEqual([true, false]);
  });

  test('every error code has a catalogue entry with a fix', () => {
    const missing = Object.values(ErrorCode).filter((code) => !ERROR_CATALOGUE[code]?.fix);
    expect(missing).toEqual([]);
  });

  test('docs/error-codes.md lists every error code with its exit status', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'error-codes.md'), 'utf8');
    const missing = Object.values(ErrorCode).filter((code) => !new RegExp(`^\\| \`${code}\` \\| ${ERROR_CATALOGUE[code].exitCode} \\|`, 'm').test(doc));
    expect(missing).toEqual([]);
  });
});
