import { App, Stack } from '../../lib/core/app';
import { ErrorCode, HybridError } from '../../lib/core/errors';
import { SynthesizedStack } from '../../synth/blueprint';
import { synthesizeStack } from '../../synth/synthesize';

/** A fresh app with one stack named `demo`. */
export function newStack(name = 'demo'): Stack {
  const app = new App();
  return new Stack(app, name);
}

/** Synthesizes a stack; the blueprint as a plain document. */
export function blueprintOf(stack: Stack): any {
  return synthesizeStack(stack).blueprint;
}

export function synthesized(stack: Stack): SynthesizedStack {
  return synthesizeStack(stack);
}

/** Runs `action` and returns the HybridError it throws; fails the test if it throws none. */
export function hybridErrorFrom(action: () => unknown): HybridError {
  try {
    action();
  } catch (error) {
    if (HybridError.isHybridError(error)) return error;
    throw error;
  }
  throw new Error('expected a HybridError, but nothing was thrown');
}

/** The code of the HybridError that `action` throws. */
export function errorCodeOf(action: () => unknown): ErrorCode {
  return hybridErrorFrom(action).code;
}

/** A command node's minimal properties. */
export const COMMAND = 'hybrid.nodes.local.Command';
