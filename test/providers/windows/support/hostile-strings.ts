/**
 * A seeded generator of strings that try to break out of Windows quoting: double quotes and
 * backslashes before them, `%NAME%` references (defined and undefined, with `:~` and `:a=b`
 * modifiers), cmd.exe operators and carets, `!`, spaces and tabs, and unicode beyond the BMP.
 * The same seed gives the same strings, so a failure can be replayed.
 */
const FRAGMENTS = [
  '"', '\\', '\\"', '\\\\"', '"\\', '""', '%', '%%', '%PATH%', '%USERNAME%', '%NOSUCHVAR%', '%PATH:~0,3%', '%PATH:a=b%', '%~dp0', '%1', '%*',
  '^', '^^', '&', '&&', '|', '||', '<', '>', '>>', '(', ')', '!', '!PATH!', ' ', '  ', '\t', ',', ';', '=', '@', '`', "'", '$', '*', '?',
  'ü', 'é', '€', '日本語', '🚀', '\u00a0', 'a', 'Z', '0', '.', '-', '/', ':', 'C:\\',
];
/** Only what a batch file can carry (printable ASCII and tab): for the launcher. */
const ASCII_FRAGMENTS = FRAGMENTS.filter((fragment) => /^[\x20-\x7e\t]*$/.test(fragment));

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

/** A hostile string of 1 to `maxFragments` fragments; `ascii` keeps to printable ASCII. */
export function hostileString(random: () => number, maxFragments = 6, ascii = false): string {
  const fragments = ascii ? ASCII_FRAGMENTS : FRAGMENTS;
  const count = 1 + Math.floor(random() * maxFragments);
  let text = '';
  for (let index = 0; index < count; index++) text += fragments[Math.floor(random() * fragments.length)];
  return text;
}
