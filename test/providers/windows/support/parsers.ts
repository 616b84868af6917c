/**
 * Models of the two Windows parsers a command line meets, written from their documented rules,
 * to check quoting without a Windows machine (the Wine tests check the real ones):
 *
 * - the C runtime's argument splitting, in both generations: since msvcrt 2008 a `""` inside
 *   quotes is a literal quote and quoting goes on; before, it was a literal quote that ended
 *   the quoting;
 * - cmd.exe's phase 2 on a `cmd /c` line: quote state flips at every `"`; outside quotes a caret
 *   escapes the next character and an unescaped operator ends the command.
 */
export type CrtVariant = 'msvcrt2008' | 'msvcrt2005';

/** The arguments of a command line (the part after the program name). */
export function crtSplit(line: string, variant: CrtVariant): string[] {
  const args: string[] = [];
  let index = 0;
  for (;;) {
    while (line[index] === ' ' || line[index] === '\t') index++;
    if (index >= line.length) return args;
    let arg = '';
    let quoted = false;
    while (index < line.length) {
      const char = line[index];
      if (!quoted && (char === ' ' || char === '\t')) break;
      if (char === '\\') {
        let count = 0;
        while (line[index] === '\\') {
          count++;
          index++;
        }
        if (line[index] === '"') {
          arg += '\\'.repeat(Math.floor(count / 2));
          if (count % 2 === 1) {
            arg += '"';
            index++;
          }
        } else {
          arg += '\\'.repeat(count);
        }
        continue;
      }
      if (char === '"') {
        if (quoted && line[index + 1] === '"') {
          arg += '"';
          index += 2;
          if (variant === 'msvcrt2005') quoted = false;
          continue;
        }
        quoted = !quoted;
        index++;
        continue;
      }
      arg += char;
      index++;
    }
    args.push(arg);
  }
}

const OPERATORS = new Set(['&', '|', '<', '>', '^', '(', ')']);

/** What cmd.exe hands the program after phase 2, or throws at an unescaped operator. */
export function cmdPhase2(line: string): string {
  let out = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '"') {
      quoted = !quoted;
      out += char;
    } else if (!quoted && char === '^') {
      index++;
      if (index < line.length) out += line[index];
    } else if (!quoted && OPERATORS.has(char) && char !== '^') {
      throw new Error(`unescaped ${char} at ${index} in ${line}`);
    } else {
      out += char;
    }
  }
  return out;
}

/**
 * Variable references `%NAME%` cmd.exe (or the service control manager) could expand: the text
 * between two percent signs, when it does not start with a double quote (no variable name does).
 */
export function expandableReferences(line: string): string[] {
  const found: string[] = [];
  const positions: number[] = [];
  for (let index = line.indexOf('%'); index !== -1; index = line.indexOf('%', index + 1)) positions.push(index);
  for (let index = 0; index + 1 < positions.length; index++) {
    const name = line.slice(positions[index] + 1, positions[index + 1]);
    if (!name.startsWith('"')) found.push(name);
  }
  return found;
}
