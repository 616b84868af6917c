/**
 * Drift: what applying the definition now would change. The server computes it: a dry-run
 * server-side apply of the definition gives the object as it would be, and every difference from
 * the live object is a field hybrid manages that was edited (or removed) behind its back, or a
 * list another manager added to that hybrid's apply would reset. Both objects went through the
 * same defaulting and normalization, so no client-side knowledge of defaults is needed (the
 * approach of `kubectl diff`). Each difference names the manager that owns the field now.
 */

/** Top-level fields that change on every write or that apply cannot set. */
const IGNORED = new Set(['status']);
const IGNORED_METADATA = new Set(['resourceVersion', 'generation', 'managedFields', 'creationTimestamp', 'uid', 'selfLink']);
const MAX_REPORTED = 8;

interface Difference {
  readonly path: string;
  /** Object keys and list elements from the root, for finding the field's manager. */
  readonly segments: ReadonlyArray<string | { readonly name?: string; readonly index: number }>;
  readonly live: unknown;
  readonly desired: unknown;
}

/** Differences between the dry-run result and the live object, as messages. Secret values are never shown. */
export function driftMessages(wouldBe: any, live: any, options: { hideValues: boolean }): string[] {
  const differences: Difference[] = [];
  for (const key of new Set([...Object.keys(wouldBe ?? {}), ...Object.keys(live ?? {})])) {
    if (IGNORED.has(key)) continue;
    if (key === 'metadata') {
      for (const metadataKey of new Set([...Object.keys(wouldBe?.metadata ?? {}), ...Object.keys(live?.metadata ?? {})])) {
        if (IGNORED_METADATA.has(metadataKey)) continue;
        compare(wouldBe?.metadata?.[metadataKey], live?.metadata?.[metadataKey], `metadata.${metadataKey}`, ['metadata', metadataKey], differences);
      }
      continue;
    }
    compare(wouldBe?.[key], live?.[key], key, [key], differences);
  }
  const messages = differences.slice(0, MAX_REPORTED).map((difference) => describe(difference, live, options.hideValues));
  if (differences.length > MAX_REPORTED) messages.push(`… and ${differences.length - MAX_REPORTED} more fields`);
  return messages;
}

function compare(desired: unknown, live: unknown, path: string, segments: Difference['segments'], out: Difference[]): void {
  if (JSON.stringify(desired) === JSON.stringify(live)) return;
  if (isObject(desired) && isObject(live)) {
    for (const key of new Set([...Object.keys(desired), ...Object.keys(live)])) {
      compare(desired[key], live[key], `${path}.${key}`, [...segments, key], out);
    }
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((item, index) => {
      const name = isObject(item) && typeof item.name === 'string' ? item.name : undefined;
      compare(item, live[index], `${path}[${name ?? index}]`, [...segments, { name, index }], out);
    });
    return;
  }
  out.push({ path, segments, live, desired });
}

function isObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(difference: Difference, live: any, hideValues: boolean): string {
  const managers = managersOf(live?.metadata?.managedFields, difference.segments).filter((manager) => manager !== 'hybrid');
  const by = managers.length > 0 ? ` (changed by ${managers.map((manager) => `"${manager}"`).join(', ')})` : '';
  if (difference.live === undefined) return `${difference.path} was removed from the cluster object${by}`;
  if (hideValues) return `${difference.path} differs from the blueprint${by}`;
  if (difference.desired === undefined) return `${difference.path} is ${show(difference.live)} in the cluster, not in the blueprint${by}`;
  return `${difference.path} is ${show(difference.live)} in the cluster, ${show(difference.desired)} in the blueprint${by}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The managers whose managedFields (fieldsV1) own the deepest known prefix of a path: object
 * keys are `f:<key>`, list elements `k:{"name":...}` when they have a name, else `i:<index>`.
 */
export function managersOf(managedFields: any, segments: Difference['segments']): string[] {
  if (!Array.isArray(managedFields)) return [];
  const owners = new Set<string>();
  for (const entry of managedFields) {
    let fields = entry?.fieldsV1;
    let matched = true;
    for (const segment of segments) {
      if (!isObject(fields)) break;
      let next: any;
      if (typeof segment === 'string') next = fields[`f:${segment}`];
      else {
        const byKey = Object.keys(fields).find((key) => {
          if (!key.startsWith('k:')) return false;
          try {
            return segment.name !== undefined && JSON.parse(key.slice(2)).name === segment.name;
          } catch {
            return false;
          }
        });
        next = byKey ? fields[byKey] : fields[`i:${segment.index}`];
      }
      if (next === undefined) {
        // An empty set owns the whole value below it (a leaf, or an atomic list or map).
        matched = Object.keys(fields).length === 0;
        break;
      }
      fields = next;
    }
    if (matched && typeof entry.manager === 'string') owners.add(entry.manager);
  }
  return [...owners].sort();
}
