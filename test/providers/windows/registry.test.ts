/** .reg files: what hybrid writes for `reg import`, and reading back what `reg export` writes. */
import { decodeRegFile, parseFailureActions, parseRegExport, regFile, serviceKey } from '../../../lib/providers/windows/registry';

const KEY = serviceKey('svc');

test('values written to a .reg file read back exactly, whatever their characters', () => {
  const environment = ['A=1', 'B=ü€😀 %PATH% "q" \\ \t'];
  const file = regFile(KEY, [['Environment', { type: 'multi_sz', value: environment }], ['HybridIdentity', { type: 'sz', value: 'stack.svc_0 "x" \\' }], ['Start', { type: 'dword', value: 2 }]]);
  const values = parseRegExport(decodeRegFile(file), KEY);
  expect([values.get('environment'), values.get('hybrididentity'), values.get('start')]).toEqual([
    { type: 'multi_sz', value: environment },
    { type: 'sz', value: 'stack.svc_0 "x" \\' },
    { type: 'dword', value: 2 },
  ]);
});

test('a .reg file is UTF-16 with a byte order mark, as regedit writes it', () => {
  expect([...regFile(KEY, []).subarray(0, 4)]).toEqual([0xff, 0xfe, 0x57, 0x00]);
});

test('a null value is written as a deletion', () => {
  expect(decodeRegFile(regFile(KEY, [['Environment', null]]))).toContain('"Environment"=-');
});

test('an export with quoted strings, continuation lines and subkeys reads as the key\'s own values', () => {
  const exported = [
    'Windows Registry Editor Version 5.00',
    '',
    `[${KEY}]`,
    '"DependOnService"=hex(7):52,00,70,00,63,00,53,00,73,00,00,00,50,00,6c,00,75,00,\\',
    '  67,00,50,00,6c,00,61,00,79,00,00,00,00,00',
    '"ImagePath"="\\"C:\\\\apps\\\\svc.exe\\" \\"--mode\\""',
    '"Start"=dword:00000003',
    '',
    `[${KEY}\\Security]`,
    '"Security"=hex:01,00',
    '',
  ].join('\r\n');
  const values = parseRegExport(exported, KEY);
  expect(Object.fromEntries(values)).toEqual({
    dependonservice: { type: 'multi_sz', value: ['RpcSs', 'PlugPlay'] },
    imagepath: { type: 'sz', value: '"C:\\apps\\svc.exe" "--mode"' },
    start: { type: 'dword', value: 3 },
  });
});

test('an ImagePath stored as REG_EXPAND_SZ (as Windows stores it) reads as a string', () => {
  const data = [...Buffer.from('%SystemRoot%\\x.exe\0', 'utf16le')].map((byte) => byte.toString(16).padStart(2, '0')).join(',');
  expect(parseRegExport(`[${KEY}]\r\n"ImagePath"=hex(2):${data}\r\n`, KEY).get('imagepath')).toEqual({ type: 'expand_sz', value: '%SystemRoot%\\x.exe' });
});

test('FailureActions decodes into the reset period and the actions', () => {
  const bytes = Buffer.alloc(20 + 16);
  bytes.writeUInt32LE(3600, 0);
  bytes.writeUInt32LE(2, 12);
  bytes.writeUInt32LE(1, 20);
  bytes.writeUInt32LE(5000, 24);
  bytes.writeUInt32LE(0, 28);
  bytes.writeUInt32LE(0, 32);
  const values = parseRegExport(decodeRegFile(regFile(KEY, [['FailureActions', { type: 'binary', value: bytes }]])), KEY);
  expect(parseFailureActions(values)).toEqual({ resetPeriodSeconds: 3600, actions: [{ type: 1, delayMs: 5000 }, { type: 0, delayMs: 0 }] });
});
