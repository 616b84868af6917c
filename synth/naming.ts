import { createHash } from 'crypto';

const MAX_NAME = 63;
/** Construct ids that stand for their parent (a typed construct's main resource). */
const TRANSPARENT_IDS = new Set(['Default', 'Resource']);

/** `MysqlDeployment` → `mysql-deployment`; anything not DNS-safe becomes '-'. */
function kebab(segment: string): string {
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
