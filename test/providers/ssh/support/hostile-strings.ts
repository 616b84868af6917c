/**
 * A seeded generator of strings that try to break out of shell quoting: quotes, `$(...)`,
 * backticks, variables, globs, separators, newlines and carriage returns, and unicode. The same
 * seed gives the same strings, so a failure can be replayed.
 */
const FRAGMENTS = [
  "'", '"', '\\', "'\\''", '$(touch PWNED)', '`touch PWNED`', '$HOME', '${PATH}', '$((1+1))', '$1', '$@', ';', '&&', '||', '|', '&', '>', '<', '\n', '\r', '\t', ' ',
  '*', '?', '[a]', '{a,b}', '~', '!', '!!', '#', '%s', '%', '-', '--', '-n', '=', 'EOF', 'ü', '日本語', '🚀', '\u200b', '\u00a0', 'a', 'Z', '0', '.', '..',
];

/** mulberry32: a small, fast, seedable PRNG. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A hostile string of 1 to `maxFragments` fragments (never NUL; `exclude` removes characters, e.g. '/'). */
export function hostileString(random: () => number, maxFragments = 6, exclude = ''): string {
  const count = 1 + Math.floor(random() * maxFragments);
  let text = '';
  for (let index = 0; index < count; index++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
  for (const character of exclude) text = text.split(character).join('_');
  return text;
}
