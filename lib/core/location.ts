import * as path from 'path';
import { IConstruct } from 'constructs';
import { ErrorCode, HybridError } from './errors';

// Frames inside hybrid itself (or the constructs library) are never the user's code.
const HYBRID_ROOT = path.resolve(__dirname, '..', '..');
const FRAMES = 10;
/** Frames kept when capturing below a constructor: its caller and a few typed constructs above it. */
const FRAMES_BELOW_CONSTRUCTOR = 4;
const OWN_DIRECTORIES = ['lib', 'constructs', 'synth'].map((dir) => path.join(HYBRID_ROOT, dir) + path.sep);

/**
 * Where a construct was created in the user's program. Capturing costs a stack walk (a few
 * microseconds, the largest per-construct cost of a big program, see bench/synth), so only
 * node templates and a few other constructs capture one; formatting it is deferred until an
 * error needs the file:line.
 */
export class SourceLocation {
  /** Captures the caller's location; frames of hybrid and constructs are skipped later. */
  public static capture(): SourceLocation {
    return captureLocation(SourceLocation.capture, FRAMES);
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

/** Captures the stack below `skip` (it and everything it called are left out). */
function captureLocation(skip: Function, frames: number): SourceLocation {
  const holder: { stack?: string } = {};
  const previousLimit = Error.stackTraceLimit;
  if (previousLimit !== frames) Error.stackTraceLimit = frames;
  Error.captureStackTrace(holder, skip);
  if (previousLimit !== frames) Error.stackTraceLimit = previousLimit;
  return new (SourceLocation as any)(holder);
}

/**
 * Where the program created a construct, captured in its constructor: pass `new.target`, so the
 * stack starts at the code that called `new` on the most derived class (the user's program, or a
 * typed construct creating it). Cheaper than `SourceLocation.capture()`, which walks down from
 * hybrid's own frames.
 */
export function creationLocation(constructorOfInstance: Function): SourceLocation {
  return captureLocation(constructorOfInstance, FRAMES_BELOW_CONSTRUCTOR);
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

/**
 * An error thrown where the program called hybrid (a static factory, a helper): the message ends
 * with the caller's file:line, found by walking the current stack.
 */
export function errorHere(code: ErrorCode, message: string, options: { path?: string; cause?: unknown } = {}): HybridError {
  const where = SourceLocation.capture().toString();
  return new HybridError(code, `${message}${where ? ` (at ${where})` : ''}`, { ...options, location: where });
}
