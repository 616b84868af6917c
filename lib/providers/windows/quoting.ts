/**
 * Quoting for the three parsers a value meets on its way to a Windows program:
 *
 * 1. `cmd.exe /c <line>`: Windows OpenSSH runs every session's command line this way. It expands
 *    `%NAME%` when NAME is defined (on the command line even inside quotes; Wine's cmd.exe also
 *    ignores carets in the name), and treats `& | < > ^ ( )` outside double quotes as
 *    operators. Its quote state flips at every `"`, backslash or not.
 * 2. The C runtime's argument splitting (CommandLineToArgvW rules), used by sc.exe, reg.exe and
 *    almost every program: `"` groups, `\"` is a literal quote, backslashes are literal unless
 *    they precede a quote.
 * 3. The service control manager, which expands `%NAME%` in a service's ImagePath (REG_EXPAND_SZ)
 *    before it starts the process.
 *
 * The trick that defeats every `%NAME%` expansion, on Windows and on Wine alike: each `%` is
 * written outside the C runtime's quotes and is always followed by a `"`, e.g. `a%PATH%b`
 * becomes `"a"%"PATH"%"b"`. A variable name then always starts with `"`, which no variable has,
 * so nothing expands; and the C runtime joins the pieces back into `a%PATH%b`. Operators are kept
 * inside cmd's quotes rather than caret-escaped (see CmdLineWriter). Characters no command line
 * can carry (NUL, CR, LF) are refused.
 */

/** Characters cmd.exe treats as operators outside double quotes (`^` escapes them there). */
const CMD_OPERATORS = new Set(['&', '|', '<', '>', '^', '(', ')']);

/** A value that cannot be passed through a command line. */
export class UnquotableError extends Error {
  constructor(what: string, reason: string) {
    super(`${what} ${reason}`);
    this.name = 'UnquotableError';
  }
}

/** Refuses NUL, CR and LF, which neither cmd.exe nor a Windows command line can carry. */
export function checkCommandLineValue(value: string, what: string): void {
  const bad = /[\0\r\n]/.exec(value);
  if (bad) throw new UnquotableError(what, `contains ${bad[0] === '\0' ? 'a NUL character' : bad[0] === '\r' ? 'a carriage return' : 'a line feed'}, which no Windows command line can carry`);
}

/**
 * One C-runtime quoted piece: `"` + text + `"`, with `"` written `\"` and the backslashes before
 * a quote (or before the closing quote) doubled. Correct for both msvcrt generations, since it
 * never relies on the `""` rule.
 */
export function crtQuotePiece(text: string): string {
  let out = '"';
  let backslashes = 0;
  for (const char of text) {
    if (char === '\\') {
      backslashes++;
      continue;
    }
    if (char === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + char;
    }
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

/**
 * One argument for the C runtime, safe from `%NAME%` expansion by cmd.exe and by the service
 * control manager: quoted pieces around every `%` (see the module comment).
 */
export function quoteArgument(value: string, what = 'a value'): string {
  checkCommandLineValue(value, what);
  return value.split('%').map(crtQuotePiece).join('%');
}

/** A command line of arguments for the C runtime (each through quoteArgument). */
export function quoteArguments(values: ReadonlyArray<string>, what = 'an argument'): string {
  return values.map((value) => quoteArgument(value, what)).join(' ');
}

/**
 * Writes arguments for `cmd.exe /c` and the C runtime at once, without a single caret: cmd's
 * quote state flips at every `"`, the C runtime's only at unescaped ones, so the two drift apart
 * at each literal quote. A bare `"` (which flips both) is inserted wherever a character needs a
 * state it lacks: whitespace must be inside the C runtime's quotes (or it would split the
 * argument), an operator inside cmd's (or it would be an operator). Carets are avoided because
 * Wine's cmd.exe keeps them literally between two percent signs, where Windows removes them.
 * Each `%` is written outside the C runtime's quotes and followed by a `"` (see the module
 * comment). A `"` inside the C runtime's quotes is never followed by another `"`, the one
 * sequence the two msvcrt generations read differently.
 */
class CmdLineWriter {
  private text = '';
  /** Inside cmd.exe's double quotes (carries over from argument to argument). */
  private cmdQuoted = false;
  /** Inside the C runtime's double quotes (always false between arguments). */
  private crtQuoted = false;
  private backslashes = 0;

  public word(text: string): void {
    this.text += (this.text === '' ? '' : ' ') + text;
  }

  public argument(value: string): void {
    checkCommandLineValue(value, 'an argument');
    if (this.text !== '') this.text += ' ';
    const start = this.text.length;
    for (const char of value) {
      if (char === '\\') {
        this.backslashes++;
      } else if (char === '"') {
        this.flushBackslashes(2 * this.backslashes + 1);
        this.text += '"';
        this.cmdQuoted = !this.cmdQuoted;
      } else if (char === '%') {
        if (this.crtQuoted) this.toggle();
        this.flushBackslashes(this.backslashes);
        this.text += '%';
        this.toggle();
      } else {
        if ((char === ' ' || char === '\t') && !this.crtQuoted) this.toggle();
        else if (CMD_OPERATORS.has(char) && !this.cmdQuoted) this.toggle();
        this.flushBackslashes(this.backslashes);
        this.text += char;
      }
    }
    if (this.crtQuoted) this.toggle();
    this.flushBackslashes(this.backslashes);
    if (this.text.length === start) {
      this.toggle();
      this.toggle();
    }
  }

  public toString(): string {
    return this.text;
  }

  /** A bare `"`: flips both quote states; backslashes before it are doubled so they stay literal. */
  private toggle(): void {
    this.flushBackslashes(2 * this.backslashes);
    this.text += '"';
    this.crtQuoted = !this.crtQuoted;
    this.cmdQuoted = !this.cmdQuoted;
  }

  private flushBackslashes(count: number): void {
    this.text += '\\'.repeat(count);
    this.backslashes = 0;
  }
}

/**
 * Makes a command line safe to hand to `cmd.exe /c` with carets: operators outside double
 * quotes get one, tracking cmd's quote state (which flips at every `"`). For batch files, where
 * Wine and Windows agree on carets; session command lines are written by commandLine().
 */
export function escapeForCmd(commandLine: string): string {
  checkCommandLineValue(commandLine, 'the command line');
  let out = '';
  let quoted = false;
  for (const char of commandLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && CMD_OPERATORS.has(char)) out += '^';
    out += char;
  }
  return out;
}

/**
 * A whole command line for a session: the program (a bare word such as `sc.exe`) and its
 * arguments, written for cmd.exe and the C runtime together (see CmdLineWriter).
 */
export function commandLine(program: string, args: ReadonlyArray<string | RawArgument>): string {
  if (!/^[A-Za-z0-9_.\\:-]+$/.test(program)) throw new UnquotableError(`the program ${JSON.stringify(program)}`, 'must be a bare path without spaces or quotes');
  const writer = new CmdLineWriter();
  writer.word(program);
  for (const arg of args) {
    if (typeof arg === 'string') writer.argument(arg);
    else writer.word(arg.text);
  }
  return writer.toString();
}

/**
 * An argument passed as it is (no quotes): for fixed option words such as `binPath=` that
 * sc.exe matches literally. Only letters, digits and `=/-_.:\` are accepted.
 */
export interface RawArgument {
  readonly text: string;
}

export function raw(text: string): RawArgument {
  if (!/^[A-Za-z0-9=/_.:\\-]+$/.test(text)) throw new UnquotableError(`the word ${JSON.stringify(text)}`, 'is not a plain option word');
  return { text };
}

/**
 * A service's command line as the service control manager stores it (ImagePath): the program
 * in plain quotes (CreateProcess finds it by them; `%NAME%` in it is expanded by the service
 * control manager, as Windows intends for paths like `%SystemRoot%\...`), then the arguments
 * protected from that expansion.
 */
export function serviceCommandLine(program: string, args: ReadonlyArray<string>): string {
  checkCommandLineValue(program, 'the binary path');
  if (program.includes('"')) throw new UnquotableError('the binary path', 'contains a double quote, which Windows paths cannot hold');
  return [`"${program}"`, ...args.map((arg, index) => quoteArgument(arg, `argument ${index + 1}`))].join(' ');
}

// ---- batch files (the environment launcher) ---------------------------------------------

/** Characters a batch file can carry whatever the host's OEM code page: printable ASCII and tab. */
const BATCH_SAFE = /^[\x20-\x7e\t]*$/;

/** Refuses what a batch file cannot carry (it is read in the host's OEM code page). */
export function checkBatchValue(value: string, what: string): void {
  checkCommandLineValue(value, what);
  if (!BATCH_SAFE.test(value)) {
    const offending = [...value].find((char) => !/[\x20-\x7e\t]/.test(char)) ?? '';
    throw new UnquotableError(
      what,
      `contains ${JSON.stringify(offending)} (U+${offending.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}): the launcher is a batch file, which cmd.exe reads in the host's OEM code page, so only printable ASCII can be delivered this way; use the registry delivery for other characters`,
    );
  }
}

/**
 * `set NAME=value` for a batch file, exact for any printable-ASCII value: `%` doubled, every
 * operator and quote caret-escaped (so cmd never enters quote mode), trailing spaces kept.
 */
export function batchSetLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UnquotableError(`the variable name ${JSON.stringify(name)}`, 'must be letters, digits and _');
  checkBatchValue(value, `the value of ${name}`);
  let out = '';
  for (const char of value) {
    if (char === '%') out += '%%';
    else if (char === '"' || char === '!' || CMD_OPERATORS.has(char)) out += '^' + char;
    else out += char;
  }
  return `set ${name}=${out}`;
}

/**
 * The line of a batch file that runs the program with its arguments: C-runtime quoting,
 * operators outside quotes caret-escaped, and `%` in arguments doubled (in a batch file `%%` is
 * a literal `%`).
 */
export function batchRunLine(program: string, args: ReadonlyArray<string>): string {
  checkBatchValue(program, 'the binary path');
  args.forEach((arg, index) => checkBatchValue(arg, `argument ${index + 1}`));
  if (program.includes('"')) throw new UnquotableError('the binary path', 'contains a double quote, which Windows paths cannot hold');
  // The program keeps its `%NAME%` references (the batch expands them, as the service control
  // manager would); the arguments are literal.
  const argumentText = escapeForCmd(args.map(crtQuotePiece).join(' ')).replace(/%/g, '%%');
  return `"${program}"` + (argumentText === '' ? '' : ' ' + argumentText);
}
