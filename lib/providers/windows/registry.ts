/**
 * Registry values through `.reg` files: hybrid writes UTF-16 `.reg` files with every string
 * hex-encoded (`reg import`), and reads a service's key back from `reg export`, so any Unicode
 * text travels exactly and no value ever passes through a command line.
 */

export type RegistryValue =
  | { readonly type: 'sz'; readonly value: string }
  | { readonly type: 'expand_sz'; readonly value: string }
  | { readonly type: 'multi_sz'; readonly value: ReadonlyArray<string> }
  | { readonly type: 'dword'; readonly value: number }
  | { readonly type: 'binary'; readonly value: Buffer }
  | { readonly type: 'other'; readonly kind: number; readonly value: Buffer };

/** `HKLM\SYSTEM\CurrentControlSet\Services\<name>` as reg.exe and .reg files name it. */
export function serviceKey(name: string): string {
  return `HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${name}`;
}

function hexBytes(bytes: Buffer): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(',');
}

function quotedName(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A `.reg` file (UTF-16LE with a byte order mark, as regedit writes) that sets the given values
 * of one key; `null` deletes a value. Strings are written hex-encoded (`hex(1)`, `hex(7)`).
 */
export function regFile(key: string, values: ReadonlyArray<readonly [string, RegistryValue | null]>): Buffer {
  const lines = ['Windows Registry Editor Version 5.00', '', `[${key}]`];
  for (const [name, value] of values) {
    if (value === null) {
      lines.push(`${quotedName(name)}=-`);
      continue;
    }
    switch (value.type) {
      case 'sz':
        lines.push(`${quotedName(name)}=hex(1):${hexBytes(Buffer.from(value.value + '\0', 'utf16le'))}`);
        break;
      case 'expand_sz':
        lines.push(`${quotedName(name)}=hex(2):${hexBytes(Buffer.from(value.value + '\0', 'utf16le'))}`);
        break;
      case 'multi_sz':
        lines.push(`${quotedName(name)}=hex(7):${hexBytes(Buffer.from(value.value.map((item) => item + '\0').join('') + '\0', 'utf16le'))}`);
        break;
      case 'dword':
        lines.push(`${quotedName(name)}=dword:${(value.value >>> 0).toString(16).padStart(8, '0')}`);
        break;
      case 'binary':
        lines.push(`${quotedName(name)}=hex:${hexBytes(value.value)}`);
        break;
      default:
        throw new Error(`cannot write a registry value of type ${value.type}`);
    }
  }
  lines.push('', '');
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]);
}

/** Text of a `.reg` file as reg.exe exports it: UTF-16LE with a byte order mark (or UTF-8). */
export function decodeRegFile(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  return bytes.toString('utf8');
}

function utf16(bytes: Buffer): string {
  return bytes.subarray(0, bytes.length - (bytes.length % 2)).toString('utf16le');
}

function withoutTerminator(text: string): string {
  return text.endsWith('\0') ? text.slice(0, -1) : text;
}

/** Reads a string the way .reg files write it: `"..."` with `\\` and `\"` escapes. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let index = start + 1;
  while (index < text.length && text[index] !== '"') {
    if (text[index] === '\\' && index + 1 < text.length) index++;
    value += text[index];
    index++;
  }
  return { value, end: index + 1 };
}

function parseData(data: string): RegistryValue | undefined {
  if (data.startsWith('"')) return { type: 'sz', value: readQuoted(data, 0).value };
  const dword = /^dword:([0-9a-fA-F]{1,8})$/.exec(data);
  if (dword) return { type: 'dword', value: parseInt(dword[1], 16) };
  const hex = /^hex(?:\(([0-9a-fA-F]+)\))?:(.*)$/.exec(data);
  if (!hex) return undefined;
  const bytes = Buffer.from(hex[2].split(',').map((byte) => byte.trim()).filter(Boolean).map((byte) => parseInt(byte, 16)));
  const kind = hex[1] === undefined ? 3 : parseInt(hex[1], 16);
  switch (kind) {
    case 1: return { type: 'sz', value: withoutTerminator(utf16(bytes)) };
    case 2: return { type: 'expand_sz', value: withoutTerminator(utf16(bytes)) };
    case 3: return { type: 'binary', value: bytes };
    case 4: return { type: 'dword', value: bytes.length >= 4 ? bytes.readUInt32LE(0) : 0 };
    case 7: {
      const items = utf16(bytes).split('\0');
      while (items.length > 0 && items[items.length - 1] === '') items.pop();
      return { type: 'multi_sz', value: items };
    }
    default: return { type: 'other', kind, value: bytes };
  }
}

/**
 * The values of one key in an exported `.reg` text (subkeys are ignored). Value names are
 * matched case-insensitively by Windows, so they are returned lower-cased.
 */
export function parseRegExport(text: string, key: string): Map<string, RegistryValue> {
  const values = new Map<string, RegistryValue>();
  // Join continuation lines: a line ending in `\` goes on with the next one's text.
  const lines = text.replace(/\\\r?\n\s*/g, '').split(/\r?\n/);
  let inKey = false;
  for (const line of lines) {
    if (line.startsWith('[')) {
      inKey = line.slice(1, line.lastIndexOf(']')).toLowerCase() === key.toLowerCase();
      continue;
    }
    if (!inKey || line.trim() === '') continue;
    let name: string;
    let rest: string;
    if (line.startsWith('@=')) {
      name = '';
      rest = line.slice(2);
    } else if (line.startsWith('"')) {
      const quoted = readQuoted(line, 0);
      if (line[quoted.end] !== '=') continue;
      name = quoted.value;
      rest = line.slice(quoted.end + 1);
    } else {
      continue;
    }
    const value = parseData(rest.trim());
    if (value) values.set(name.toLowerCase(), value);
  }
  return values;
}

/** A string value (REG_SZ or REG_EXPAND_SZ) of a parsed key, if present. */
export function stringValue(values: Map<string, RegistryValue>, name: string): string | undefined {
  const value = values.get(name.toLowerCase());
  return value && (value.type === 'sz' || value.type === 'expand_sz') ? value.value : undefined;
}

export function multiStringValue(values: Map<string, RegistryValue>, name: string): ReadonlyArray<string> | undefined {
  const value = values.get(name.toLowerCase());
  if (!value) return undefined;
  if (value.type === 'multi_sz') return value.value;
  if (value.type === 'sz' || value.type === 'expand_sz') return value.value === '' ? [] : [value.value];
  return undefined;
}

export function dwordValue(values: Map<string, RegistryValue>, name: string): number | undefined {
  const value = values.get(name.toLowerCase());
  return value?.type === 'dword' ? value.value : undefined;
}

/** The recovery settings stored in a service's FailureActions value (SERVICE_FAILURE_ACTIONS). */
export interface StoredFailureActions {
  readonly resetPeriodSeconds: number;
  readonly actions: ReadonlyArray<{ readonly type: number; readonly delayMs: number }>;
}

/**
 * Decodes FailureActions as the service control manager stores it: reset period, two unused
 * pointers, the action count, one unused pointer (4 bytes each), then (type, delay) pairs.
 */
export function parseFailureActions(values: Map<string, RegistryValue>): StoredFailureActions | undefined {
  const value = values.get('failureactions');
  if (!value || value.type !== 'binary' || value.value.length < 20) return undefined;
  const bytes = value.value;
  const count = bytes.readUInt32LE(12);
  const actions: Array<{ type: number; delayMs: number }> = [];
  for (let index = 0; index < count && 20 + index * 8 + 8 <= bytes.length; index++) {
    actions.push({ type: bytes.readUInt32LE(20 + index * 8), delayMs: bytes.readUInt32LE(24 + index * 8) });
  }
  return { resetPeriodSeconds: bytes.readUInt32LE(0), actions };
}
