import * as path from 'path';
import { IConstruct } from 'constructs';
import { ErrorCode, HybridError } from './errors';

// Frames inside hybrid itself (or the constructs library) are never the user's code.
const HYBRID_ROOT = path.resolve(__dirname, '..', '..');
const OWN_DIRECTORIES = ['lib', 'constructs', 'synth'].map((dir) => path.join(HYBRID_ROOT, dir) + path.sep);

/**
 * Where a construct was created in the user's program. Capturing a stack costs a few
 * microseconds; formatting it is deferred until an error needs the file:line.
 */
export class SourceLocation {
  /** Captures the caller's location; frames of hybrid and constructs are skipped later. */
  public static capture(): SourceLocation {
    const holder: { stack?: string } = {};
    const previousLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    Error.captureStackTrace(holder, SourceLocation.capture);
    Error.stackTraceLimit = previousLimit;
    return new SourceLocation(holder);
  }

  private formatted?: string | null;

  private constructor(private readonly holder: { stack?: string }) {}

  /** `file:line:column` of the first frame in the user's program, or undefined. */
  public toString(): string | undefined {
    if (this.formatted === undefined) this.formatted = findUserFrame(this.holder.stack ?? '');
    return this.formatted ?? undefined;
  }
}

function findUserFrame(stack: string): string | null {
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:[A-Za-z]:)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!match) continue;
    const file = match[1].replace(/^file:\/\//, '');
    if (!path.isAbsolute(file)) continue;
    if (OWN_DIRECTORIES.some((dir) => file.startsWith(dir))) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}constructs${path.sep}`)) continue;
    if (file.includes(`${path.sep}node_modules${path.sep}hybrid-iac${path.sep}`)) continue;
    return `${file}:${match[2]}:${match[3]}`;
  }
  return null;
}

/**
 * An error about a construct: the message starts with the construct path and ends with the
 * file:line where the program created it (or, without a recorded location, where it was called).
 */
export function constructError(code: ErrorCode, construct: IConstruct, message: string, location?: SourceLocation, cause?: unknown): HybridError {
  const where = (location ?? SourceLocation.capture()).toString();
  const constructPath = construct.node.path;
  return new HybridError(code, `${constructPath}: ${message}${where ? ` (at ${where})` : ''}`, { path: constructPath, location: where, cause });
}
