/** Seeded generator of JSON-like values built from YAML traps, for property-based emitter tests. */

/** A small deterministic generator (mulberry32), so a failing case can be reproduced from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces that are each a known YAML trap; generated strings are made of them. */
const PIECES = [
  'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '', ' ', '  ', '\n', '\n\n', '\t', '\r\n',
  '#', ' #', ': ', ':', '- ', '-', '? ', '?', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`',
  '0', '007', '1e3', '0x1F', '0o17', '1_000', '1:30', '.5', '.inf', '-.Inf', '.NaN', '+1', '-1', '3.14', '2024-01-01',
  '---', '...', '<<', '=', '\\', 'é', 'ß', '日本', '🙂', '\u00a0', '\u0085', '\u2028', '\u2029', '\ufeff', '\u007f', '\u0000', '\u001b',
  'plain', 'a b', 'http://host:8080/path', 'key=value', 'end:',
];

function generatedString(next: () => number): string {
  const length = Math.floor(next() * 6);
  let text = '';
  for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

export function generatedValue(next: () => number, depth: number): unknown {
  const kind = Math.floor(next() * (depth > 2 ? 4 : 6));
  switch (kind) {
    case 0:
    case 1:
      return generatedString(next);
    case 2:
      return [0, -1, 1.5, 1e21, 1e-7, 65535, -0.25][Math.floor(next() * 7)];
    case 3:
      return [true, false, null][Math.floor(next() * 3)];
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => generatedValue(next, depth + 1));
    default: {
      const result: { [key: string]: unknown } = {};
      for (let i = Math.floor(next() * 4); i > 0; i--) result[generatedString(next)] = generatedValue(next, depth + 1);
      return result;
    }
  }
}
