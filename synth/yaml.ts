/**
 * A small deterministic YAML emitter for JSON-like data. It writes keys in insertion order, picks
 * the same scalar style for the same value every time, and is several times faster than a
 * general-purpose dumper on large blueprints (see bench/synth).
 *
 * The output must read back the same in js-yaml (YAML 1.2, our engine) and in PyYAML (YAML 1.1,
 * Cloudify's parser), so a string is written plain only when neither could take it for anything
 * else; everything else is double-quoted with escapes, or a literal block for multi-line text.
 */

/** YAML 1.1 and 1.2 booleans and nulls (case-insensitive covers both schemas' spellings). */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
/** Characters YAML does not allow raw (or that PyYAML reads as line breaks): always escaped. */
const NON_PRINTABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
const NEEDS_ESCAPE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * Whether a string may be written plain: it starts with a letter, '/' or '.', continues with
 * letters, digits and ` _./:@()+,=-`, is no boolean or null word, does not end with ' ' or ':',
 * holds no ': ', and does not start like a number (`.5`, `._`). One pass over the characters:
 * this runs for every key and value of a blueprint.
 */
function isPlain(value: string): boolean {
  const length = value.length;
  if (length === 0) return false;
  const first = value.charCodeAt(0);
  // A-Z, a-z, '/'; '.' and '_' start YAML 1.1 numbers (`.5`, `_1`), so they are quoted.
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 47)) return false;
  for (let i = 1; i < length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) continue;
    switch (c) {
      case 95: case 46: case 47: case 64: case 40: case 41: case 43: case 44: case 61: case 45: // _ . / @ ( ) + , = -
        continue;
      case 58: // ':' is plain unless a space follows or it ends the string
        if (i === length - 1 || value.charCodeAt(i + 1) === 32) return false;
        continue;
      case 32: // ' ' is plain unless it ends the string
        if (i === length - 1) return false;
        continue;
      default:
        return false;
    }
  }
  return length > 5 || !RESERVED.test(value);
}

/**
 * A double-quoted scalar. JSON's escapes (\", \\, \n, \t, \uXXXX, lone surrogates) are all
 * valid YAML escapes; YAML additionally forbids raw DEL, C1 controls, BOM and the Unicode line
 * separators, which JSON leaves raw.
 */
function quoted(value: string): string {
  const json = JSON.stringify(value);
  return NON_PRINTABLE.test(value) ? json.replace(NEEDS_ESCAPE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : json;
}

// Quoted values repeat often in a blueprint (`"100m"`, `"--port"`); remembering how each was
// written skips JSON.stringify. Bounded, so unique values cannot grow it without limit.
const quotedCache = new Map<string, string>();
const QUOTED_CACHE_LIMIT = 20000;

function scalar(value: string): string {
  if (isPlain(value)) return value;
  let text = quotedCache.get(value);
  if (text === undefined) {
    text = quoted(value);
    if (quotedCache.size < QUOTED_CACHE_LIMIT) quotedCache.set(value, text);
  }
  return text;
}

/**
 * Multi-line text as a literal block (`|`), when it reads back exactly: printable, no carriage
 * returns, no trailing blanks on a line, and a first line that starts with text (so no
 * indentation indicator is needed, whose meaning differs subtly between parsers).
 */
function fitsLiteralBlock(value: string): boolean {
  return /^[^\s]/.test(value) && !NON_PRINTABLE.test(value) && !value.includes('\r') && !/[ \t]\n|[ \t]$|\n\t/.test(value);
}

function literalBlock(value: string, indent: string): string {
  // Chomping: `-` strips the final newline, clip (no indicator) keeps one, `+` keeps them all.
  const chomp = value.endsWith('\n') ? (value.endsWith('\n\n') ? '+' : '') : '-';
  const body = chomp === '-' ? value : value.slice(0, -1);
  return `|${chomp}\n` + body.split('\n').map((line) => (line.length ? indent + line : '')).join('\n');
}

function numberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  const text = String(value);
  // PyYAML (YAML 1.1) reads `1e+21` as a string; `1.0e+21` is a float in both parsers.
  return text.includes('e') && !text.includes('.') ? text.replace('e', '.0e') : text;
}

function scalarOf(value: any, indent: string): string {
  switch (typeof value) {
    case 'string':
      return value.includes('\n') && fitsLiteralBlock(value) ? literalBlock(value, indent) : scalar(value);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null || value === undefined) return 'null';
      throw new Error(`cannot write a ${typeof value} as YAML`);
  }
}

/**
 * The document is collected as a list of strings joined once at the end. Line prefixes
 * (`\n<indent>key:`) come from a cache, so most entries point at strings that already exist:
 * building one large string by appending would leave millions of rope nodes for the GC.
 */
let parts: string[] = [];
/** Joined runs of `parts`: short-lived part lists keep the GC's young generation doing the work. */
let chunks: string[] = [];
const CHUNK = 8192;
const INDENTS: string[] = [''];
const DASHES: string[] = [];
/** Keys repeat in every node template; their lines are built once (bounded like the quoted cache). */
const KEY_CACHE_LIMIT = 20000;
/** `\n<indent>key:` by key, then by depth. */
const keyLines = new Map<string, string[]>();
/** ` key:` (the first key of a mapping that sits on a dash line), by key. */
const dashKeys = new Map<string, string>();

/** A string built by `+` is a rope; cached pieces are flattened once so `join` copies them quickly. */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

function indentOf(depth: number): string {
  while (INDENTS.length <= depth) INDENTS.push(flat(INDENTS[INDENTS.length - 1] + '  '));
  return INDENTS[depth];
}

function keyLine(key: string, depth: number): string {
  let byDepth = keyLines.get(key);
  if (byDepth === undefined) {
    byDepth = [];
    if (keyLines.size < KEY_CACHE_LIMIT) keyLines.set(key, byDepth);
  }
  return (byDepth[depth] ??= flat('\n' + indentOf(depth) + scalar(key) + ':'));
}

function dashKey(key: string): string {
  let text = dashKeys.get(key);
  if (text === undefined) {
    text = flat(' ' + scalar(key) + ':');
    if (dashKeys.size < KEY_CACHE_LIMIT) dashKeys.set(key, text);
  }
  return text;
}

/** Writes a value that follows `key:` or `-` on the current line; collections continue below at `depth`. */
function emit(value: any, depth: number): void {
  if (typeof value !== 'object' || value === null) {
    parts.push(' ', scalarOf(value, indentOf(depth)));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      parts.push(' []');
      return;
    }
    const dash = (DASHES[depth] ??= flat('\n' + indentOf(depth) + '-'));
    for (let i = 0; i < value.length; i++) {
      parts.push(dash);
      emitItem(value[i], depth + 1);
    }
    return;
  }
  let empty = true;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const item = value[k];
    if (item === undefined) continue;
    empty = false;
    parts.push(keyLine(k, depth));
    emit(item, depth + 1);
    if (parts.length > CHUNK) {
      chunks.push(parts.join(''));
      parts = [];
    }
  }
  if (empty) parts.push(' {}');
}

/** A sequence item: a mapping starts on the dash line (`- key: value`), anything else as usual. */
function emitItem(item: any, depth: number): void {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    emit(item, depth);
    return;
  }
  let first = true;
  const keys = Object.keys(item);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const value = item[k];
    if (value === undefined) continue;
    parts.push(first ? dashKey(k) : keyLine(k, depth));
    first = false;
    emit(value, depth + 1);
  }
  if (first) parts.push(' {}');
}

/** Renders JSON-like data as a YAML document (a mapping at the top). */
export function toYaml(document: { [key: string]: any }): string {
  parts = [];
  chunks = [];
  try {
    for (const k in document) {
      if (document[k] === undefined) continue;
      parts.push(keyLine(k, 0));
      emit(document[k], 1);
    }
    chunks.push(parts.join(''), '\n');
    return chunks.join('').slice(1);
  } finally {
    parts = [];
    chunks = [];
  }
}
