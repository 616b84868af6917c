import { createHash } from 'crypto';

const MAX_NAME = 63;
/** Construct ids that stand for their parent (a typed construct's main resource). */
const TRANSPARENT_IDS = new Set(['Default', 'Resource']);

/**
 * `MysqlDeployment` → `mysql-deployment`, `HTTPServer` → `http-server`; runs of anything not
 * DNS-safe become one '-'. One pass for ASCII ids (every node of a large program goes through
 * here); the regular expressions handle the rest.
 */
function kebab(segment: string): string {
  let out = '';
  let dash = false;
  const length = segment.length;
  for (let i = 0; i < length; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 128) return kebabUnicode(segment);
    const upper = c >= 65 && c <= 90;
    if (!(upper || (c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      dash = out.length > 0;
      continue;
    }
    if (upper && i > 0) {
      const previous = segment.charCodeAt(i - 1);
      const next = i + 1 < length ? segment.charCodeAt(i + 1) : 0;
      // A word starts at an uppercase letter after a lowercase letter or digit (`mysqlDeployment`),
      // or at the last uppercase letter of an acronym followed by lowercase (`HTTPServer`).
      if ((previous >= 97 && previous <= 122) || (previous >= 48 && previous <= 57) || (previous >= 65 && previous <= 90 && next >= 97 && next <= 122)) dash = true;
    }
    if (dash) {
      out += '-';
      dash = false;
    }
    out += upper ? String.fromCharCode(c + 32) : segment[i];
  }
  return out;
}

function kebabUnicode(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/**
 * The node template name for a construct path relative to its stack: readable and DNS-safe
 * (`Blog/MysqlDeployment` → `blog-mysql-deployment`), with a short hash of the path only when
 * the name would exceed 63 characters.
 */
export function nodeNameFromPath(relativePath: string): string {
  const segments = relativePath.split('/').filter((segment) => segment.length > 0 && !TRANSPARENT_IDS.has(segment));
  let name = segments.map(kebab).filter((part) => part.length > 0).join('-');
  if (name.length === 0) name = 'node-' + shortHash(relativePath);
  if (!/^[a-z0-9]/.test(name)) name = 'n-' + name;
  if (name.length > MAX_NAME) name = name.slice(0, MAX_NAME - 7).replace(/-+$/, '') + '-' + shortHash(relativePath);
  return name;
}
