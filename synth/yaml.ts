/**
 * A small deterministic YAML emitter for JSON-like data. It writes keys in insertion order, picks
 * the same scalar style for the same value every time, and is several times faster than a
 * general-purpose dumper on large blueprints (see bench/synth).
 *
 * The output must read back the same in js-yaml (YAML 1.2, our engine) and in PyYAML (YAML 1.1,
 * Cloudify's parser), so a string is written plain only when neither could take it for anything
 * else; everything else is double-quoted with escapes, or a literal block for multi-line text.
 */

/** Strings that may be written plain: a safe first character, then a small safe alphabet. */
const PLAIN_SAFE = /^[A-Za-z_/.][A-Za-z0-9 _./:@()+,=-]*$/;
/** YAML 1.1 and 1.2 booleans and nulls (case-insensitive covers both schemas' spellings). */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
/** Characters YAML does not allow raw (or that PyYAML reads as line breaks): always escaped. */
const NON_PRINTABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
const NEEDS_ESCAPE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

function isPlain(value: string): boolean {
  return (
    PLAIN_SAFE.test(value) &&
    !RESERVED.test(value) &&
    !value.endsWith(' ') &&
    !value.endsWith(':') &&
    !value.includes(': ') &&
    // Numbers, floats like `.5` and `._`, and YAML 1.1 sexagesimals all start like this.
    !/^[-+]?[0-9._]/.test(value)
  );
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

function scalar(value: string): string {
  return value.length > 0 && isPlain(value) ? value : quoted(value);
}

/**
 * Multi-line text as a literal block (`|`), when it reads back exactly: printable, no carriage
 * returns, no trailing blanks on a line, and a first line that starts with text (so no
 * indentation indicator is needed, whose meaning differs subtly between parsers).
 */
function fitsLiteralBlock(value: string): boolean {
  return (
    value.includes('\n') &&
    /^[^\s]/.test(value) &&
    !NON_PRINTABLE.test(value) &&
    !value.includes('\r') &&
    !/[ \t]\n|[ \t]$|\n\t/.test(value)
  );
}

function literalBlock(value: string, indent: string): string {
  // Chomping: `-` strips the final newline, clip (no indicator) keeps one, `+` keeps them all.
  const chomp = value.endsWith('\n') ? (value.endsWith('\n\n') ? '+' : '') : '-';
  const body = chomp === '-' ? value : value.slice(0, -1);
  return `|${chomp}\n` + body.split('\n').map((line) => (line.length ? indent + line : '')).join('\n');
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  const text = String(value);
  // PyYAML (YAML 1.1) reads `1e+21` as a string; `1.0e+21` is a float in both parsers.
  return /e/.test(text) && !text.includes('.') ? text.replace('e', '.0e') : text;
}

function scalarOf(value: any, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'string') return fitsLiteralBlock(value) ? literalBlock(value, indent) : scalar(value);
  throw new Error(`cannot write a ${typeof value} as YAML`);
}

/** Writes a value that follows `key:` or `-` on the current line; collections continue below. */
function emit(value: any, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(' []');
      return;
    }
    for (const item of value) {
      out.push(`\n${indent}-`);
      emitItem(item, indent + '  ', out);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    let empty = true;
    for (const k of Object.keys(value)) {
      const item = value[k];
      if (item === undefined) continue;
      empty = false;
      out.push(`\n${indent}${scalar(k)}:`);
      emit(item, indent + '  ', out);
    }
    if (empty) out.push(' {}');
    return;
  }
  out.push(' ' + scalarOf(value, indent));
}

/** A sequence item: a mapping starts on the dash line (`- key: value`), anything else as usual. */
function emitItem(item: any, indent: string, out: string[]): void {
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    let first = true;
    for (const k of Object.keys(item)) {
      const value = item[k];
      if (value === undefined) continue;
      out.push(first ? ` ${scalar(k)}:` : `\n${indent}${scalar(k)}:`);
      first = false;
      emit(value, indent + '  ', out);
    }
    if (first) out.push(' {}');
    return;
  }
  emit(item, indent, out);
}

/** Renders JSON-like data as a YAML document (a mapping at the top). */
export function toYaml(document: { [key: string]: any }): string {
  const out: string[] = [];
  for (const k of Object.keys(document)) {
    if (document[k] === undefined) continue;
    out.push(`\n${scalar(k)}:`);
    emit(document[k], '  ', out);
  }
  return out.join('').slice(1) + '\n';
}
