import type { EngineEvent } from '../engine/events';
import { renderEvent, Style } from './render';

/**
 * The CLI's only way to talk: text for people (stderr for progress, stdout for results), or
 * newline-delimited JSON on stdout with --json.
 */
export class Output {
  public readonly style: Style;

  constructor(public readonly json: boolean, public readonly quiet: boolean, private readonly stdout = process.stdout, private readonly stderr = process.stderr) {
    this.style = { color: !json && Boolean((stdout as any).isTTY) && !process.env.NO_COLOR };
  }

  /** A result line (stdout). */
  public result(text: string): void {
    if (!this.json) this.stdout.write(text + '\n');
  }

  /** A structured result (stdout, --json only). */
  public data(value: unknown): void {
    if (this.json) this.stdout.write(JSON.stringify(value) + '\n');
  }

  /** Progress for people (stderr); hidden by --quiet and --json. */
  public info(text: string): void {
    if (!this.json && !this.quiet) this.stderr.write(text + '\n');
  }

  public error(text: string): void {
    if (this.json) this.stdout.write(JSON.stringify({ type: 'error', message: text }) + '\n');
    else this.stderr.write(text + '\n');
  }

  public event(event: EngineEvent): void {
    if (this.json) {
      if (event.type !== 'plan-ready') this.stdout.write(JSON.stringify(event) + '\n');
      return;
    }
    if (this.quiet) return;
    const line = renderEvent(event, this.style);
    if (line) this.stderr.write(line + '\n');
  }

  /** Asks for a secret on the terminal without echoing it. */
  public askSecret(prompt: string): Promise<string> {
    return new Promise((resolve) => {
      const stdin = process.stdin;
      this.stderr.write(prompt);
      const wasRaw = stdin.isRaw;
      stdin.setRawMode?.(true);
      stdin.resume();
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const character of chunk.toString('utf8')) {
          if (character === '\r' || character === '\n') {
            stdin.off('data', onData);
            stdin.setRawMode?.(wasRaw);
            stdin.pause();
            this.stderr.write('\n');
            resolve(value);
            return;
          }
          if (character === '\u0003') process.exit(130);
          if (character === '\u007f') value = value.slice(0, -1);
          else value += character;
        }
      };
      stdin.on('data', onData);
    });
  }

  /** Asks yes/no on the terminal. */
  public confirm(question: string): Promise<boolean> {
    return new Promise((resolve) => {
      const readline = require('readline') as typeof import('readline');
      const rl = readline.createInterface({ input: process.stdin, output: this.stderr });
      rl.question(`${question} [y/N] `, (answer) => {
        rl.close();
        resolve(/^y(es)?$/i.test(answer.trim()));
      });
    });
  }
}
