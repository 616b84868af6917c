/**
 * The output protocol of remote commands and scripts (the same marker as the local provider's):
 * after a line `::hybrid-output::` on stdout,
 *   - `name=value` sets the output `name` to the rest of the line;
 *   - `name<<DELIMITER`, then any lines, then a line `DELIMITER` sets a multi-line value
 *     (GitHub Actions' syntax), for kubeconfigs, certificates and keys;
 * other lines are ordinary output. Outputs become the runtime properties (attributes) of the
 * instance that ran the script; names listed as secret are encrypted in state and masked.
 */

/** The stdout line after which outputs are read. */
export const OUTPUT_MARKER = '::hybrid-output::';

const SINGLE_LINE = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/;
const MULTI_LINE = /^([A-Za-z_][A-Za-z0-9_.-]*)<<([A-Za-z0-9_.-]+)$/;

/** Reads stdout lines one by one; says for each whether it was consumed as an output. */
export class OutputReader {
  public readonly outputs: { [name: string]: string } = {};
  private afterMarker = false;
  private open?: { name: string; delimiter: string; lines: string[] };

  /**
   * @param onOutput called once per complete output, before anything else sees its value (so a
   *   secret can be registered for masking first)
   */
  constructor(private readonly onOutput: (name: string, value: string) => void = () => undefined) {}

  /** True when the line was part of the protocol (the marker or an output) and is not to be logged. */
  public line(line: string): boolean {
    if (this.open) {
      if (line === this.open.delimiter) {
        this.set(this.open.name, this.open.lines.join('\n'));
        this.open = undefined;
      } else {
        this.open.lines.push(line);
      }
      return true;
    }
    if (line.trim() === OUTPUT_MARKER) {
      this.afterMarker = true;
      return true;
    }
    if (!this.afterMarker) return false;
    const multi = MULTI_LINE.exec(line);
    if (multi) {
      this.open = { name: multi[1], delimiter: multi[2], lines: [] };
      return true;
    }
    const single = SINGLE_LINE.exec(line);
    if (single) {
      this.set(single[1], single[2]);
      return true;
    }
    return false;
  }

  /** The name of a multi-line output still waiting for its delimiter when the output ended. */
  public get unterminated(): string | undefined {
    return this.open?.name;
  }

  private set(name: string, value: string): void {
    this.onOutput(name, value);
    this.outputs[name] = value;
  }
}
